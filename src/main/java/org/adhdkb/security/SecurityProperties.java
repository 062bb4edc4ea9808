package org.adhdkb.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

import java.util.ArrayList;
import java.util.List;

/**
 * Settings under {@code adhdkb.security.*}. The defaults are the safe ones: reads of the knowledge are open, every
 * write needs a verified bearer token, and with no issuer configured no write is possible over REST at all.
 */
@ConfigurationProperties(prefix = "adhdkb.security")
public class SecurityProperties {

	/** Require a bearer token for reads too (except {@code /fhir/metadata}). */
	private boolean readRequiresToken = false;

	/**
	 * For knowledge engineers on their own machine: callers without a token may write. Never on a shared server.
	 * A token that is sent is still verified.
	 */
	private boolean localWrites = false;

	/** The {@code iss} that bearer tokens on {@code /fhir} must carry. Empty: no token is accepted. */
	private String issuer = "";

	/** Where the issuer's signing keys are: an {@code https:}, {@code http:} or {@code file:} URL of a JWK Set. */
	private String jwksUri = "";

	/** When set, bearer tokens must name this in {@code aud}. */
	private String audience = "";

	/** Largest request body accepted on /fhir and /cds-services; larger ones get 413. */
	private DataSize maxRequestSize = DataSize.ofMegabytes(10);

	/** Largest body of a {@code $apply} call (its {@code data} Bundle is parsed and held whole while it is applied). */
	private DataSize maxApplyRequestSize = DataSize.ofMegabytes(1);

	/** Most entries in one batch or transaction Bundle. */
	private int maxBundleEntries = 1000;

	/** Most GET entries in one batch or transaction: each answer (up to a page of resources) is held until all are done. */
	private int maxBundleReadEntries = 20;

	/** A body at least this large (after decompression) counts as large: only a few are handled at once. */
	private DataSize largeRequestSize = DataSize.ofMegabytes(1);

	/** Most large bodies handled at once; more wait briefly, then get 503 with Retry-After. */
	private int maxConcurrentLargeRequests = 2;

	/** A body must arrive whole within this time (408 otherwise): a slow sender cannot hold a request thread for long. */
	private java.time.Duration bodyReadTimeout = java.time.Duration.ofSeconds(20);

	/** Most request bodies being received at once; more get 503 at once, so that slow senders cannot take every thread. */
	private int maxConcurrentBodyReads = 64;

	/** Longest lifetime ({@code exp - iat}) of a bearer token on /fhir. */
	private java.time.Duration maxTokenLifetime = java.time.Duration.ofHours(24);

	private final Cors cors = new Cors();
	private final Cds cds = new Cds();

	public boolean isReadRequiresToken() {
		return readRequiresToken;
	}

	public void setReadRequiresToken(boolean readRequiresToken) {
		this.readRequiresToken = readRequiresToken;
	}

	public boolean isLocalWrites() {
		return localWrites;
	}

	public void setLocalWrites(boolean localWrites) {
		this.localWrites = localWrites;
	}

	public String getIssuer() {
		return issuer;
	}

	public void setIssuer(String issuer) {
		this.issuer = issuer;
	}

	public String getJwksUri() {
		return jwksUri;
	}

	public void setJwksUri(String jwksUri) {
		this.jwksUri = jwksUri;
	}

	public String getAudience() {
		return audience;
	}

	public void setAudience(String audience) {
		this.audience = audience;
	}

	public DataSize getMaxRequestSize() {
		return maxRequestSize;
	}

	public void setMaxRequestSize(DataSize maxRequestSize) {
		this.maxRequestSize = maxRequestSize;
	}

	public DataSize getMaxApplyRequestSize() {
		return maxApplyRequestSize;
	}

	public void setMaxApplyRequestSize(DataSize maxApplyRequestSize) {
		this.maxApplyRequestSize = maxApplyRequestSize;
	}

	public int getMaxBundleEntries() {
		return maxBundleEntries;
	}

	public void setMaxBundleEntries(int maxBundleEntries) {
		this.maxBundleEntries = maxBundleEntries;
	}

	public int getMaxBundleReadEntries() {
		return maxBundleReadEntries;
	}

	public void setMaxBundleReadEntries(int maxBundleReadEntries) {
		this.maxBundleReadEntries = maxBundleReadEntries;
	}

	public DataSize getLargeRequestSize() {
		return largeRequestSize;
	}

	public void setLargeRequestSize(DataSize largeRequestSize) {
		this.largeRequestSize = largeRequestSize;
	}

	public int getMaxConcurrentLargeRequests() {
		return maxConcurrentLargeRequests;
	}

	public void setMaxConcurrentLargeRequests(int maxConcurrentLargeRequests) {
		this.maxConcurrentLargeRequests = maxConcurrentLargeRequests;
	}

	public java.time.Duration getBodyReadTimeout() {
		return bodyReadTimeout;
	}

	public void setBodyReadTimeout(java.time.Duration bodyReadTimeout) {
		this.bodyReadTimeout = bodyReadTimeout;
	}

	public int getMaxConcurrentBodyReads() {
		return maxConcurrentBodyReads;
	}

	public void setMaxConcurrentBodyReads(int maxConcurrentBodyReads) {
		this.maxConcurrentBodyReads = maxConcurrentBodyReads;
	}

	public java.time.Duration getMaxTokenLifetime() {
		return maxTokenLifetime;
	}

	public void setMaxTokenLifetime(java.time.Duration maxTokenLifetime) {
		this.maxTokenLifetime = maxTokenLifetime;
	}

	public Cors getCors() {
		return cors;
	}

	public Cds getCds() {
		return cds;
	}

	public static class Cors {
		/** Origins allowed to call /fhir and /cds-services from a browser; {@code *} for any (without credentials). */
		private List<String> allowedOrigins = new ArrayList<>(List.of("*"));

		public List<String> getAllowedOrigins() {
			return allowedOrigins;
		}

		public void setAllowedOrigins(List<String> allowedOrigins) {
			this.allowedOrigins = allowedOrigins;
		}
	}

	public static class Cds {
		/** Require a signed client JWT on every CDS Hooks call. */
		private boolean enabled = false;

		/** Public base URL of this server (scheme, host, port), when behind a proxy: the JWT's {@code aud} is checked against it. */
		private String publicBaseUrl = "";

		/** The CDS clients allowed to call, each an issuer with its keys. */
		private List<Client> clients = new ArrayList<>();

		/** Most JWT ids remembered against replay; calls beyond it are refused until older tokens expire. */
		private int replayCacheSize = 100_000;

		public boolean isEnabled() {
			return enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public String getPublicBaseUrl() {
			return publicBaseUrl;
		}

		public void setPublicBaseUrl(String publicBaseUrl) {
			this.publicBaseUrl = publicBaseUrl;
		}

		public List<Client> getClients() {
			return clients;
		}

		public void setClients(List<Client> clients) {
			this.clients = clients;
		}

		public int getReplayCacheSize() {
			return replayCacheSize;
		}

		public void setReplayCacheSize(int replayCacheSize) {
			this.replayCacheSize = replayCacheSize;
		}
	}

	public static class Client {
		/** The client's {@code iss}. */
		private String issuer = "";

		/** The client's JWK Set, used when a token has no {@code jku}. */
		private String jwksUri = "";

		/** {@code jku} values this client may name; keys are then fetched from there (and cached). */
		private List<String> allowedJku = new ArrayList<>();

		public String getIssuer() {
			return issuer;
		}

		public void setIssuer(String issuer) {
			this.issuer = issuer;
		}

		public String getJwksUri() {
			return jwksUri;
		}

		public void setJwksUri(String jwksUri) {
			this.jwksUri = jwksUri;
		}

		public List<String> getAllowedJku() {
			return allowedJku;
		}

		public void setAllowedJku(List<String> allowedJku) {
			this.allowedJku = allowedJku;
		}
	}
}
