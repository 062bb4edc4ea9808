package org.adhdkb.cdshooks;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which {@code fhirServer} a CDS call may make this server fetch from. The service fetches with the client's access
 * token, so a URL that is not the client's own FHIR server turns the service into a proxy (into the private network,
 * or with the token to another host). The rules, safe by default:
 * <ul>
 * <li>with an allow-list ({@code adhdkb.cds.allowed-fhir-servers}): only URLs under a listed base: scheme, host and
 * port equal after parsing, the path equal or below the listed path at a segment boundary;</li>
 * <li>without an allow-list and without CDS client authentication (anyone may call): only this server's own
 * {@code /fhir} ({@code adhdkb.server-address}, or loopback at the port called);</li>
 * <li>without an allow-list, with client authentication: any http(s) server whose name resolves only to public
 * addresses.</li>
 * </ul>
 * Always refused: user info ({@code http://allowed@other/}), a query or fragment (they would take over the path of
 * every fetch), dot segments and escapes in the path. Loopback, link-local and private addresses are reached only
 * when listed (or this server's own base); {@link PrefetchHttpClient} checks the address again when it connects, and
 * follows no redirects. The string-prefix comparison this replaces let {@code https://ehr.example.org.attacker.tld/}
 * through.
 */
final class FhirServerPolicy {

	/** A parsed base URL; {@code path} has no trailing slash. */
	record Base(String scheme, String host, int port, String path) {

		static Base parse(String url) {
			URI uri;
			try {
				uri = new URI(url.trim());
			} catch (URISyntaxException e) {
				throw new IllegalArgumentException("not a URL: " + url);
			}
			String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
			if (!scheme.equals("http") && !scheme.equals("https")) {
				throw new IllegalArgumentException("not an http or https URL: " + url);
			}
			if (uri.getRawUserInfo() != null) {
				throw new IllegalArgumentException("user info is not allowed in a FHIR server URL");
			}
			if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
				throw new IllegalArgumentException("a FHIR server URL has no query or fragment");
			}
			if (uri.getHost() == null) {
				throw new IllegalArgumentException("no host in " + url);
			}
			String path = uri.getRawPath() == null ? "" : uri.getRawPath();
			if (!SAFE_PATH.matcher(path).matches() || path.contains("//") || DOT_SEGMENT.matcher(path).find()) {
				throw new IllegalArgumentException("the path of a FHIR server URL may not contain escapes, empty or dot segments");
			}
			int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
			String host = uri.getHost().toLowerCase(Locale.ROOT);
			if (host.startsWith("[") && host.endsWith("]")) {
				host = host.substring(1, host.length() - 1);
			}
			return new Base(scheme, host, port, path.replaceAll("/+$", ""));
		}

		boolean contains(Base other) {
			return scheme.equals(other.scheme) && host.equals(other.host) && port == other.port
					&& (path.isEmpty() || other.path.equals(path) || other.path.startsWith(path + "/"));
		}
	}

	private static final Pattern SAFE_PATH = Pattern.compile("[A-Za-z0-9\\-._~/!$&'()*+,;=:@]*");
	private static final Pattern DOT_SEGMENT = Pattern.compile("(^|/)\\.{1,2}(/|$)");
	private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "::1");

	private final List<Base> allowList;
	private final boolean clientsAuthenticated;
	private final String configuredOwnBase;

	/**
	 * @param allowList            the configured bases (empty: none configured)
	 * @param clientsAuthenticated whether CDS callers must present a client JWT
	 * @param configuredOwnBase    {@code adhdkb.server-address}, or blank
	 */
	FhirServerPolicy(List<String> allowList, boolean clientsAuthenticated, String configuredOwnBase) {
		this.allowList = allowList.stream().filter(s -> !s.isBlank()).map(Base::parse).toList();
		this.clientsAuthenticated = clientsAuthenticated;
		this.configuredOwnBase = configuredOwnBase == null ? "" : configuredOwnBase.trim();
	}

	/** Refuses (400) a fhirServer this service may not fetch from; {@code localPort} is the port this call came in on. */
	void check(String fhirServer, int localPort) {
		Base candidate;
		try {
			candidate = Base.parse(fhirServer);
		} catch (IllegalArgumentException e) {
			throw new InvalidRequestException("fhirServer is refused: " + e.getMessage());
		}
		if (!allowList.isEmpty()) {
			if (allowList.stream().noneMatch(base -> base.contains(candidate))) {
				throw new InvalidRequestException("fhirServer " + fhirServer + " is not one this service may fetch from");
			}
			return;
		}
		if (ownBases(localPort).stream().anyMatch(base -> base.contains(candidate))) {
			return;
		}
		if (!clientsAuthenticated) {
			throw new InvalidRequestException("fhirServer " + fhirServer + " is refused: without CDS client authentication "
					+ "or adhdkb.cds.allowed-fhir-servers, this service fetches only from this server's own /fhir");
		}
		if (!isPublic(candidate.host())) {
			throw new InvalidRequestException("fhirServer " + fhirServer
					+ " is refused: its host is not a public address (list it in adhdkb.cds.allowed-fhir-servers)");
		}
	}

	/** The hosts a fetch may reach whatever their address: listed ones, and this server's own. */
	Set<String> hostsReachableAnywhere() {
		Set<String> hosts = new java.util.HashSet<>(LOOPBACK_NAMES);
		allowList.forEach(base -> hosts.add(base.host()));
		if (!configuredOwnBase.isEmpty()) {
			hosts.add(Base.parse(configuredOwnBase).host());
		}
		return hosts;
	}

	private List<Base> ownBases(int localPort) {
		List<Base> bases = new ArrayList<>();
		if (!configuredOwnBase.isEmpty()) {
			bases.add(Base.parse(configuredOwnBase));
		}
		for (String host : List.of("localhost", "127.0.0.1", "[::1]")) {
			bases.add(Base.parse("http://" + host + ":" + localPort + "/fhir"));
		}
		return bases;
	}

	/** Whether every address the host resolves to is public (not loopback, link-local, private, CGNAT or multicast). */
	static boolean isPublic(String host) {
		try {
			InetAddress[] addresses = InetAddress.getAllByName(host);
			for (InetAddress address : addresses) {
				if (!isPublic(address)) {
					return false;
				}
			}
			return addresses.length > 0;
		} catch (UnknownHostException e) {
			return false;
		}
	}

	static boolean isPublic(InetAddress address) {
		if (address.isLoopbackAddress() || address.isLinkLocalAddress() || address.isSiteLocalAddress()
				|| address.isAnyLocalAddress() || address.isMulticastAddress()) {
			return false;
		}
		byte[] b = address.getAddress();
		if (b.length == 4) {
			int first = b[0] & 0xff;
			int second = b[1] & 0xff;
			// 100.64/10 (carrier-grade NAT), 0/8, 192.0.0/24, 198.18/15 (benchmarking), 240/4 (reserved)
			return !(first == 100 && second >= 64 && second < 128) && first != 0 && !(first == 192 && second == 0 && (b[2] & 0xff) == 0)
					&& !(first == 198 && (second == 18 || second == 19)) && first < 240;
		}
		// IPv6 unique local fc00::/7, and IPv4-mapped addresses judged as IPv4
		if ((b[0] & 0xfe) == 0xfc) {
			return false;
		}
		boolean mapped = true;
		for (int i = 0; i < 10; i++) {
			mapped &= b[i] == 0;
		}
		if (mapped && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
			try {
				return isPublic(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
			} catch (UnknownHostException e) {
				return false;
			}
		}
		return true;
	}
}
