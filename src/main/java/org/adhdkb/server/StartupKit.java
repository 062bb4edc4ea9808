package org.adhdkb.server;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What makes the two README commands start fast without JVM flags: a kit in {@code target/startup-kit/} that the build
 * makes, and a relaunch onto it.
 *
 * <ul>
 * <li>{@code app/}: the jar extracted ({@code -Djarmode=tools extract}), because class data sharing cannot archive
 * classes read from the jars nested in a Spring Boot jar;</li>
 * <li>{@code app.jsa}: a static AppCDS archive of the dependency jars' classes, from the classes a whole training
 * start loaded (JDK 17's dynamic archive, {@code -XX:ArchiveClassesAtExit}, crashes on this application);</li>
 * <li>{@code database/}: the training start's database with the content loaded, a {@link DatabaseImage}.</li>
 * </ul>
 *
 * <p>{@code java -jar target/adhdkb.jar} (when the kit was made from this very jar) and {@code ./mvnw spring-boot:run}
 * (when the kit's dependency jars are the ones it runs with) start a second JVM with the archive, C1 compilation and
 * the database image, the dependency jars first on the class path (an archive serves only a class path that begins
 * with the one it was made from), and wait for it. A kit that does not match is not used: the server starts as
 * before, only slower. {@code adhdkb.startup.kit=false} turns the relaunch off, {@code adhdkb.startup.c1-only=false}
 * the C1-only compilation of the relaunched JVM.
 *
 * <p>No Spring here: the relaunch runs before Spring starts, and the build runs {@link #main} inside Maven.
 */
public final class StartupKit {

	static final String DIRECTORY = "startup-kit";
	private static final String PROPERTIES = "kit.properties";
	private static final String ARCHIVE = "app.jsa";
	private static final String IMAGE = "database";
	private static final String RELAUNCHED = "adhdkb.startup.relaunched";
	private static final String MAIN_CLASS = "org.adhdkb.AdhdkbApplication";

	private StartupKit() {}

	// ---------------------------------------------------------------------------------------------------- relaunch

	/**
	 * Runs the server in a second JVM on the kit, if there is a matching one, and exits with its exit code; returns
	 * when there is none (or it is switched off), and the caller then starts the server itself.
	 */
	public static void relaunchIfReady(String[] args) {
		if (Boolean.getBoolean(RELAUNCHED)) {
			// the server of a relaunch: should the JVM that waits for it be killed outright (no shutdown hook runs),
			// this one stops too instead of holding the port with nobody to stop it
			ProcessHandle.current().parent().ifPresent(launcher -> launcher.onExit().thenRun(() -> {
				System.err.println("adhdkb: the launching JVM is gone; stopping");
				System.exit(1);
			}));
			return;
		}
		if (!setting(args, "adhdkb.startup.kit", true)) {
			return;
		}
		List<String> jvmOptions = ManagementFactory.getRuntimeMXBean().getInputArguments();
		// a debugger or agent is attached to this JVM, and would be missing (or its port taken) in a second one
		if (jvmOptions.stream().anyMatch(option -> option.startsWith("-agentlib") || option.startsWith("-javaagent")
				|| option.startsWith("-Xrun") || option.startsWith("-agentpath"))) {
			return;
		}
		List<String> command = command(args, jvmOptions, classPathEntries());
		if (command.isEmpty()) {
			return;
		}
		try {
			Process server = new ProcessBuilder(command).inheritIO().start();
			// a stop signal to this JVM stops the server gracefully (Ctrl-C reaches both; SIGTERM only this one)
			Runtime.getRuntime().addShutdownHook(new Thread(() -> {
				server.destroy();
				try {
					server.waitFor();
				} catch (InterruptedException e) {
					Thread.currentThread().interrupt();
				}
			}));
			System.exit(server.waitFor());
		} catch (IOException e) {
			System.err.println("adhdkb: could not start the server on the start-up kit (" + e + "); starting without it");
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	/** The command of the relaunch, or empty when no kit matches what this JVM runs. */
	static List<String> command(String[] args, List<String> jvmOptions, List<Path> entries) {
		Path kit;
		List<Path> application = new ArrayList<>();
		Properties recorded;
		List<Path> libraries;
		if (entries.size() == 1 && Files.isRegularFile(entries.get(0))) {
			// java -jar target/adhdkb.jar: the kit beside it, made from this jar (same size and time)
			Path jar = entries.get(0);
			kit = jar.resolveSibling(DIRECTORY);
			recorded = readProperties(kit);
			if (recorded == null || !jarStamp(jar).equals(recorded.getProperty("jar"))) {
				return List.of();
			}
			libraries = libraries(recorded);
			application.add(kit.resolve("app").resolve(jar.getFileName()));
		} else {
			// ./mvnw spring-boot:run: target/classes (and resources) and the dependency jars from the local repository
			Path classes = classesDirectory(entries);
			if (classes == null || classes.getParent() == null) {
				return List.of();
			}
			kit = classes.getParent().resolve(DIRECTORY);
			recorded = readProperties(kit);
			if (recorded == null) {
				return List.of();
			}
			libraries = libraries(recorded);
			List<Path> jars = entries.stream().filter(Files::isRegularFile).toList();
			if (!fingerprint(jars).equals(fingerprint(libraries))) {
				return List.of();
			}
			entries.stream().filter(Files::isDirectory).forEach(application::add);
		}
		if (!Files.isRegularFile(kit.resolve(ARCHIVE)) || !application.stream().allMatch(Files::exists)) {
			return List.of();
		}

		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(jvmOptions);
		// `java -jar` typed without a heap cap: the server JVM gets the one `./mvnw spring-boot:run` has (pom.xml
		// adhdkb.jvm), else the JVM would size its heap from the machine (a quarter of it) and grow into it
		if (jvmOptions.stream().noneMatch(StartupKit::setsHeap)) {
			Stream.of(recorded.getProperty("jvm", "").trim().split("\\s+")).filter(option -> !option.isEmpty())
					.forEach(command::add);
		}
		command.add("-XX:SharedArchiveFile=" + kit.resolve(ARCHIVE));
		command.add("-Xshare:auto");
		if (setting(args, "adhdkb.startup.c1-only", true)
				&& jvmOptions.stream().noneMatch(option -> option.startsWith("-XX:TieredStopAtLevel"))) {
			command.add("-XX:TieredStopAtLevel=1");
		}
		command.add("-D" + RELAUNCHED + "=true");
		if (System.getProperty(DataDirectoryResolver.DATABASE_IMAGE) == null) {
			command.add("-D" + DataDirectoryResolver.DATABASE_IMAGE + "=" + kit.resolve(IMAGE));
		}
		List<String> classPath = new ArrayList<>();
		libraries.forEach(library -> classPath.add(library.toString()));
		application.forEach(entry -> classPath.add(entry.toString()));
		command.add("-cp");
		command.add(String.join(File.pathSeparator, classPath));
		command.add(MAIN_CLASS);
		command.addAll(List.of(args));
		return command;
	}

	/**
	 * A switch from {@code --name=value}, {@code -Dname=value} or the environment ({@code ADHDKB_STARTUP_KIT}),
	 * read before Spring's environment exists.
	 */
	static boolean setting(String[] args, String name, boolean fallback) {
		for (String arg : args) {
			if (arg.startsWith("--" + name + "=")) {
				return Boolean.parseBoolean(arg.substring(name.length() + 3));
			}
		}
		String value = System.getProperty(name,
				System.getenv(name.toUpperCase(Locale.ROOT).replace('.', '_').replace("-", "")));
		return value == null ? fallback : Boolean.parseBoolean(value);
	}

	private static boolean setsHeap(String option) {
		return option.startsWith("-Xmx") || option.startsWith("-XX:MaxHeapSize") || option.startsWith("-XX:MaxRAM");
	}

	/** Jar names and sizes, as the JVM's own check of an archive's class path compares them (with times). */
	private static List<String> fingerprint(List<Path> jars) {
		return jars.stream().map(jar -> jar.getFileName() + ":" + size(jar)).sorted().toList();
	}

	static String jarStamp(Path jar) {
		try {
			return Files.size(jar) + "/" + Files.getLastModifiedTime(jar).toMillis();
		} catch (IOException e) {
			return "";
		}
	}

	private static long size(Path file) {
		try {
			return Files.size(file);
		} catch (IOException e) {
			return -1;
		}
	}

	private static List<Path> libraries(Properties recorded) {
		return Stream.of(recorded.getProperty("libraries", "").split(File.pathSeparator))
				.filter(entry -> !entry.isBlank()).map(Path::of).toList();
	}

	private static Properties readProperties(Path kit) {
		Path file = kit.resolve(PROPERTIES);
		if (!Files.isRegularFile(file)) {
			return null;
		}
		try (InputStream in = Files.newInputStream(file)) {
			Properties properties = new Properties();
			properties.load(in);
			return properties;
		} catch (IOException e) {
			return null;
		}
	}

	/**
	 * After {@code ./mvnw spring-boot:run} started without a kit (a clone never packaged, or the dependencies changed
	 * since the kit was made): makes one for the next
	 * start, in the background at low priority, from the class path this JVM runs with.
	 */
	public static void prepareForNextStart(String[] args) {
		if (Boolean.getBoolean(RELAUNCHED) || !setting(args, "adhdkb.startup.kit", true)) {
			return;
		}
		List<Path> entries = classPathEntries();
		Path classes = classesDirectory(entries);
		// not from a jar (spring-boot:run only), and not when a matching kit exists (the relaunch onto it failed)
		if (classes == null || classes.getParent() == null
				|| !command(args, ManagementFactory.getRuntimeMXBean().getInputArguments(), entries).isEmpty()) {
			return;
		}
		Path kit = classes.getParent().resolve(DIRECTORY);
		List<Path> jars = entries.stream().filter(Files::isRegularFile).toList();
		List<Path> directories = entries.stream().filter(Files::isDirectory).toList();
		List<String> nice = Files.isExecutable(Path.of("/usr/bin/nice")) ? List.of("/usr/bin/nice", "-n", "15") : List.of();
		Thread builder = new Thread(() -> {
			try {
				deleteRecursively(kit);
				Files.createDirectories(kit);
				train(kit, jars, directories, "", "", nice);
				System.out.println("adhdkb: start-up kit made in " + kit + "; the next start uses it");
			} catch (IOException | RuntimeException e) {
				System.err.println("adhdkb: start-up kit not made (" + e + "); the next start is as slow as this one");
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}, "startup-kit");
		builder.setDaemon(true);
		builder.setPriority(Thread.MIN_PRIORITY);
		System.out.println("adhdkb: making a start-up kit in " + kit + " in the background, for a faster next start "
				+ "(adhdkb.startup.kit=false: not)");
		builder.start();
	}

	private static List<Path> classPathEntries() {
		return Stream.of(System.getProperty("java.class.path", "").split(File.pathSeparator))
				.filter(entry -> !entry.isBlank()).map(entry -> Path.of(entry).toAbsolutePath().normalize()).toList();
	}

	/** The directory with this application's classes ({@code target/classes}), or null when it runs from a jar. */
	private static Path classesDirectory(List<Path> entries) {
		return entries.stream().filter(entry -> Files.isRegularFile(
				entry.resolve(MAIN_CLASS.replace('.', '/') + ".class"))).findFirst().orElse(null);
	}

	// ------------------------------------------------------------------------------------------------------- build

	/**
	 * {@code StartupKit <jar> [<JVM options>]}: the build's step after packaging; the options (pom.xml {@code
	 * adhdkb.jvm}) are given to the server JVM of a {@code java -jar} typed without a heap cap. A kit that cannot be made (no
	 * free memory for the training start, say) is reported and left out, and the build goes on: the server is the
	 * same without it, only slower to start, and a build that fails for want of an optimisation helps nobody.
	 */
	public static void main(String[] args) {
		Path jar = Path.of(args[0]).toAbsolutePath();
		Path kit = jar.resolveSibling(DIRECTORY);
		String jvmDefaults = args.length > 1 ? args[1].trim() : "";
		long started = System.nanoTime();
		try {
			build(jar, kit, jvmDefaults);
			System.out.printf("Start-up kit %s made in %d s%n", kit, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
		} catch (IOException | RuntimeException e) {
			// without kit.properties (written last) the kit is never used; its logs stay for whoever looks
			System.err.println("WARNING: start-up kit not made, the server will start without it (slower): " + e);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	static void build(Path jar, Path kit, String jvmDefaults) throws IOException, InterruptedException {
		deleteRecursively(kit);
		Files.createDirectories(kit);
		Path java = Path.of(System.getProperty("java.home"), "bin", "java");
		Path app = kit.resolve("app");
		run(kit.resolve("extract.log"), java.toString(), "-Djarmode=tools", "-jar", jar.toString(), "extract",
				"--destination", app.toString());
		Path thinJar = app.resolve(jar.getFileName());
		List<Path> libraries = new ArrayList<>();
		try (JarFile thin = new JarFile(thinJar.toFile())) {
			for (String entry : thin.getManifest().getMainAttributes().getValue("Class-Path").trim().split("\\s+")) {
				// the extract tool's own jar: not part of the application, and not on spring-boot:run's class path
				if (!entry.contains("spring-boot-jarmode-")) {
					libraries.add(app.resolve(entry).normalize());
				}
			}
		}
		train(kit, libraries, List.of(thinJar), jarStamp(jar), jvmDefaults, List.of());
	}

	/**
	 * The training start, the archive of the libraries' classes it loaded, the database image and the record: a kit
	 * for a class path that begins with {@code libraries}, followed by {@code application}.
	 */
	private static void train(Path kit, List<Path> libraries, List<Path> application, String jarStamp,
			String jvmDefaults, List<String> prefix) throws IOException, InterruptedException {
		Path java = Path.of(System.getProperty("java.home"), "bin", "java");
		String libraryPath = String.join(File.pathSeparator, libraries.stream().map(Path::toString).toList());
		String classPath = Stream.concat(libraries.stream(), application.stream()).map(Path::toString)
				.collect(Collectors.joining(File.pathSeparator));

		// A whole first start on an empty database (content loaded, first requests answered), then it exits.
		Path data = kit.resolve("training-data");
		Path classList = kit.resolve("classes.lst");
		List<String> training = new ArrayList<>(prefix);
		training.addAll(List.of(java.toString(), "-Xmx512m", "-XX:TieredStopAtLevel=1",
				"-XX:DumpLoadedClassList=" + classList, "-D" + RELAUNCHED + "=true", "-cp", classPath, MAIN_CLASS,
				"--server.port=0", "--server.address=127.0.0.1", "--adhdkb.data-dir=" + data,
				"--adhdkb.startup.training=true"));
		run(kit.resolve("training.log"), training.toArray(String[]::new));
		// lambda proxies belong to dynamic archives only; the application's own classes are not in the archive
		Path staticList = kit.resolve("classes-static.lst");
		try (Stream<String> lines = Files.lines(classList)) {
			Files.write(staticList, lines.filter(line -> !line.contains("@lambda-proxy")).toList());
		}
		List<String> dump = new ArrayList<>(prefix);
		dump.addAll(List.of(java.toString(), "-Xshare:dump", "-XX:SharedClassListFile=" + staticList,
				"-XX:SharedArchiveFile=" + kit.resolve(ARCHIVE), "-cp", libraryPath));
		run(kit.resolve("dump.log"), dump.toArray(String[]::new));

		DatabaseImage.save(data, kit.resolve(IMAGE),
				Files.readString(data.resolve(DatabaseImage.HASH_FILE), StandardCharsets.UTF_8).trim());
		deleteRecursively(data);
		Files.delete(classList);
		Files.delete(staticList);
		Properties properties = new Properties();
		properties.setProperty("jar", jarStamp);
		properties.setProperty("libraries", libraryPath);
		properties.setProperty("jvm", jvmDefaults);
		try (OutputStream out = Files.newOutputStream(kit.resolve(PROPERTIES))) {
			properties.store(out, "see org.adhdkb.server.StartupKit");
		}
	}

	private static void run(Path log, String... command) throws IOException, InterruptedException {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		if (!process.waitFor(10, TimeUnit.MINUTES)) {
			process.destroyForcibly();
			throw new IOException("timed out: " + String.join(" ", command) + " (see " + log + ")");
		}
		if (process.exitValue() != 0) {
			throw new IOException("exit code " + process.exitValue() + ": " + command[command.length > 3 ? 3 : 0]
					+ " ... (see " + log + ")");
		}
	}

	private static void deleteRecursively(Path directory) {
		if (!Files.exists(directory)) {
			return;
		}
		try (Stream<Path> paths = Files.walk(directory)) {
			paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
