package org.adhdkb.server;

import ca.uhn.fhir.util.VersionUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Remembers in the database which HAPI and Hibernate versions made its schema, so that a restart on an existing
 * database can skip Hibernate's schema update: the update reads the metadata of every HAPI table and re-applies unique
 * keys on each start, and finds nothing to do while the versions are the same. Hibernate has no such shortcut.
 * The stamp is written only after a start whose update succeeded; a new HAPI or Hibernate version updates again.
 */
class SchemaStamp implements SmartInitializingSingleton {

	private static final Logger log = LoggerFactory.getLogger(SchemaStamp.class);
	private static final String TABLE = "ADHDKB_SCHEMA_STAMP";

	private final DataSource dataSource;
	private final String stamp;
	private boolean updating;

	SchemaStamp(DataSource dataSource, String dialect) {
		this.dataSource = dataSource;
		this.stamp = "hapi-" + VersionUtil.getVersion() + "/hibernate-" + org.hibernate.Version.getVersionString() + "/"
				+ dialect;
	}

	/** What {@code hibernate.hbm2ddl.auto} should be when nobody configured it: "none" if the schema is current. */
	String schemaAction() {
		updating = !isCurrent();
		if (!updating) {
			log.info("Database schema made by {}: no schema update", stamp);
		}
		return updating ? "update" : "none";
	}

	private boolean isCurrent() {
		try (Connection connection = dataSource.getConnection();
				Statement statement = connection.createStatement();
				ResultSet row = statement.executeQuery("SELECT STAMP FROM " + TABLE + " WHERE ID = 1")) {
			return row.next() && stamp.equals(row.getString(1));
		} catch (SQLException noTableYet) {
			return false;
		}
	}

	/** After every bean is created (so Hibernate's update has succeeded), records who made the schema. */
	@Override
	public void afterSingletonsInstantiated() {
		if (!updating) {
			return;
		}
		try (Connection connection = dataSource.getConnection()) {
			try (Statement statement = connection.createStatement()) {
				statement.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (ID INT PRIMARY KEY, STAMP VARCHAR(200) NOT NULL)");
				statement.execute("DELETE FROM " + TABLE + " WHERE ID = 1");
			}
			try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + TABLE + " (ID, STAMP) VALUES (1, ?)")) {
				insert.setString(1, stamp);
				insert.executeUpdate();
			}
			if (!connection.getAutoCommit()) {
				connection.commit();
			}
		} catch (SQLException e) {
			// another instance wrote it at the same moment, or the database refuses: the next start updates again
			log.debug("Schema stamp not recorded: {}", e.getMessage());
		}
	}
}
