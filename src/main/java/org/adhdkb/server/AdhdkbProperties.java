package org.adhdkb.server;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Settings under {@code adhdkb.*}; every one has a default, so the server runs with no configuration. */
@ConfigurationProperties(prefix = "adhdkb")
public class AdhdkbProperties {

	/** Public base URL of the FHIR endpoint, when the server sits behind a proxy. Empty: taken from the request. */
	private String serverAddress = "";

	private int defaultPageSize = 20;
	private int maxPageSize = 200;

	private final Content content = new Content();
	private final Terminology terminology = new Terminology();

	public String getServerAddress() {
		return serverAddress;
	}

	public void setServerAddress(String serverAddress) {
		this.serverAddress = serverAddress;
	}

	public int getDefaultPageSize() {
		return defaultPageSize;
	}

	public void setDefaultPageSize(int defaultPageSize) {
		this.defaultPageSize = defaultPageSize;
	}

	public int getMaxPageSize() {
		return maxPageSize;
	}

	public void setMaxPageSize(int maxPageSize) {
		this.maxPageSize = maxPageSize;
	}

	public Content getContent() {
		return content;
	}

	public Terminology getTerminology() {
		return terminology;
	}

	public static class Content {
		/** Where the FHIR content package is read from: a {@code classpath:} or {@code file:} location. */
		private String location = "classpath:fhir-resources/";

		/** Load the content package at start-up. */
		private boolean load = true;

		public String getLocation() {
			return location;
		}

		public void setLocation(String location) {
			this.location = location;
		}

		public boolean isLoad() {
			return load;
		}

		public void setLoad(boolean load) {
			this.load = load;
		}
	}

	public static class Terminology {
		/** Largest expansion served; larger ones are refused as too costly. */
		private int maxExpansionSize = 10_000;

		public int getMaxExpansionSize() {
			return maxExpansionSize;
		}

		public void setMaxExpansionSize(int maxExpansionSize) {
			this.maxExpansionSize = maxExpansionSize;
		}
	}
}
