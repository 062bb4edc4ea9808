package org.adhdkb.cdshooks;

import org.apache.http.HttpEntity;
import org.apache.http.HttpResponseInterceptor;
import org.apache.http.client.HttpClient;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.conn.DnsResolver;
import org.apache.http.entity.HttpEntityWrapper;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.apache.http.impl.conn.SystemDefaultDnsResolver;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The HTTP client HAPI's prefetch service fetches from a CDS client's fhirServer with (HAPI's FHIR client on Apache
 * HttpClient 4, configured here because HAPI's defaults follow redirects, wait a long time and read any size):
 * <ul>
 * <li>no redirects: a listed server could otherwise send the fetch, and the client's token, anywhere;</li>
 * <li>names resolve only to public addresses, unless the host is listed (or this server's own): checked at connect
 * time, so a name that resolves differently the second time (DNS rebinding) gains nothing;</li>
 * <li>the bytes read for one CDS call are counted against a budget (HAPI also follows {@code next} links, so a
 * response limit alone would not do): a fetch beyond it fails, and the call answers 412;</li>
 * <li>connect and read timeouts of a few seconds.</li>
 * </ul>
 */
final class PrefetchHttpClient {

	/** The bytes still allowed for the CDS call on this thread; none set: no fetch is allowed. */
	private static final ThreadLocal<long[]> BUDGET = new ThreadLocal<>();

	/** Thrown (as the IOException HttpClient expects) when the prefetch budget is spent. */
	static final class TooLarge extends IOException {
		TooLarge(long budget) {
			super("the prefetch data from fhirServer is larger than " + budget + " bytes");
		}
	}

	private PrefetchHttpClient() {}

	/** The call's fetches read more than the budget (HAPI's prefetch service reports its own 412 without the cause). */
	static final class BudgetSpent extends RuntimeException {
		BudgetSpent(long budget) {
			super("the prefetch data from fhirServer is larger than " + budget + " bytes", null, false, false);
		}
	}

	/** Runs {@code fetch} with at most {@code budget} bytes of responses read. */
	static <T> T withBudget(long budget, Supplier<T> fetch) {
		long[] left = {budget, budget};
		BUDGET.set(left);
		try {
			return fetch.get();
		} catch (RuntimeException e) {
			if (left[0] < 0) {
				throw new BudgetSpent(budget);
			}
			throw e;
		} finally {
			BUDGET.remove();
		}
	}

	static HttpClient create(Set<String> hostsReachableAnywhere) {
		DnsResolver publicOnly = new DnsResolver() {
			@Override
			public InetAddress[] resolve(String host) throws UnknownHostException {
				InetAddress[] addresses = SystemDefaultDnsResolver.INSTANCE.resolve(host);
				String name = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
				if (hostsReachableAnywhere.contains(name.toLowerCase(java.util.Locale.ROOT))) {
					return addresses;
				}
				InetAddress[] allowed = Arrays.stream(addresses).filter(FhirServerPolicy::isPublic).toArray(InetAddress[]::new);
				if (allowed.length == 0) {
					throw new UnknownHostException(host + " has no public address");
				}
				return allowed;
			}
		};
		PoolingHttpClientConnectionManager connections = new PoolingHttpClientConnectionManager(
				org.apache.http.config.RegistryBuilder.<org.apache.http.conn.socket.ConnectionSocketFactory>create()
						.register("http", org.apache.http.conn.socket.PlainConnectionSocketFactory.getSocketFactory())
						.register("https", org.apache.http.conn.ssl.SSLConnectionSocketFactory.getSocketFactory())
						.build(),
				null, null, publicOnly, 30, TimeUnit.SECONDS);
		connections.setMaxTotal(40);
		connections.setDefaultMaxPerRoute(10);
		RequestConfig timeouts = RequestConfig.custom()
				.setConnectTimeout(5_000).setConnectionRequestTimeout(5_000).setSocketTimeout(10_000)
				.setRedirectsEnabled(false).build();
		return HttpClients.custom()
				.setConnectionManager(connections)
				.setDefaultRequestConfig(timeouts)
				.disableRedirectHandling()
				.disableCookieManagement()
				.addInterceptorLast((HttpResponseInterceptor) (response, context) -> {
					if (response.getEntity() != null) {
						response.setEntity(new Counted(response.getEntity()));
					}
				})
				.build();
	}

	/** A response body whose bytes are taken from the call's budget as they are read. */
	private static final class Counted extends HttpEntityWrapper {

		Counted(HttpEntity entity) {
			super(entity);
		}

		@Override
		public InputStream getContent() throws IOException {
			long[] budget = BUDGET.get();
			if (budget == null) {
				throw new IOException("no prefetch fetch is allowed outside a CDS call");
			}
			if (getContentLength() > budget[0]) {
				budget[0] = -1;
				throw new TooLarge(budget[1]);
			}
			return new FilterInputStream(super.getContent()) {
				@Override
				public int read() throws IOException {
					int b = super.read();
					if (b >= 0) {
						take(1);
					}
					return b;
				}

				@Override
				public int read(byte[] buffer, int offset, int length) throws IOException {
					int n = super.read(buffer, offset, length);
					if (n > 0) {
						take(n);
					}
					return n;
				}

				private void take(int n) throws IOException {
					budget[0] -= n;
					if (budget[0] < 0) {
						throw new TooLarge(budget[1]);
					}
				}
			};
		}
	}
}
