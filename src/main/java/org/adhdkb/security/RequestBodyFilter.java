package org.adhdkb.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

/**
 * Receives every request body on /fhir and /cds-services whole, here, before anything parses it, so that no body can
 * cost more than the limits say. Neither Tomcat (its limit covers form posts only) nor HAPI limits a body, HAPI
 * inflates a gzip body whole before reading it, and a body that trickles in holds a request thread for as long as
 * the sender likes. Here:
 * <ul>
 * <li>a body over the limit is refused with 413, counted after decompression (a 65 KB gzip body can inflate to
 * 64 MB); a declared Content-Length over the limit is refused before a byte is read; {@code $apply} has its own,
 * smaller limit (its {@code data} Bundle is parsed and held whole while the plan is applied);</li>
 * <li>gzip and deflate bodies are inflated here, and passed on without Content-Encoding; other encodings get 415;</li>
 * <li>a body must arrive whole within the read timeout (408), and only so many bodies are received at once (503 with
 * Retry-After beyond that): slow senders cannot take every request thread, reads without a body are never
 * affected;</li>
 * <li>only a few large bodies are handled at once (each is parsed into a model many times its size); more wait a
 * moment, then get 503 with Retry-After.</li>
 * </ul>
 * Form posts ({@code _search}) are left to Tomcat, which parses them itself and limits them (maxPostSize).
 * It runs after the token filters, so an invalid token is refused before its body is read.
 */
class RequestBodyFilter extends OncePerRequestFilter {

	/** The limits, in bytes and time. */
	record Limits(long maximum, long applyMaximum, long large, int concurrentLarge, Duration readTimeout,
			int concurrentReads) {}

	private static final String RETRY_AFTER_SECONDS = "5";

	private final Limits limits;
	private final Semaphore bodyReads;
	private final Semaphore largeBodies;

	RequestBodyFilter(Limits limits) {
		this.limits = limits;
		this.bodyReads = new Semaphore(limits.concurrentReads());
		this.largeBodies = new Semaphore(limits.concurrentLarge());
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		long declared = request.getContentLengthLong();
		boolean hasBody = declared > 0 || request.getHeader("Transfer-Encoding") != null;
		String contentType = request.getContentType();
		if (!hasBody || (contentType != null && contentType.toLowerCase().startsWith("application/x-www-form-urlencoded"))) {
			chain.doFilter(request, response);
			return;
		}
		long limit = limitFor(request);
		if (declared > limit) {
			refuse(request, response, 413, tooLarge(limit, false));
			return;
		}
		String encoding = contentEncoding(request);
		if (encoding == null) {
			refuse(request, response, 415, "Content-Encoding " + request.getHeader("Content-Encoding")
					+ " is not supported: send identity, gzip or deflate");
			return;
		}
		if (!bodyReads.tryAcquire()) {
			response.setHeader("Retry-After", RETRY_AFTER_SECONDS);
			refuse(request, response, 503, "too many requests are sending bodies at once; retry shortly");
			return;
		}
		byte[] body;
		try {
			body = receive(request.getInputStream(), limit, System.nanoTime() + limits.readTimeout().toNanos());
			if (!encoding.isEmpty()) {
				body = inflate(body, encoding, limit);
			}
		} catch (BodyRefused refused) {
			refuse(request, response, refused.status, refused.getMessage());
			return;
		} finally {
			bodyReads.release();
		}
		boolean large = body.length >= limits.large();
		if (large && !acquireLarge()) {
			response.setHeader("Retry-After", RETRY_AFTER_SECONDS);
			refuse(request, response, 503, "too many large requests are being handled; retry shortly");
			return;
		}
		try {
			chain.doFilter(new BufferedBodyRequest(request, body), response);
		} finally {
			if (large) {
				largeBodies.release();
			}
		}
	}

	private long limitFor(HttpServletRequest request) {
		return request.getRequestURI().contains("$apply") ? Math.min(limits.maximum(), limits.applyMaximum()) : limits.maximum();
	}

	private boolean acquireLarge() {
		try {
			return largeBodies.tryAcquire(2, TimeUnit.SECONDS);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	/** "" for an uncompressed body, "gzip" or "deflate", or null for an encoding we do not inflate. */
	private static String contentEncoding(HttpServletRequest request) {
		String encoding = request.getHeader("Content-Encoding");
		if (encoding == null || encoding.isBlank() || encoding.trim().equalsIgnoreCase("identity")) {
			return "";
		}
		String e = encoding.trim().toLowerCase();
		return e.equals("gzip") || e.equals("x-gzip") ? "gzip" : e.equals("deflate") ? "deflate" : null;
	}

	private static String tooLarge(long limit, boolean inflated) {
		return "the request body is larger than the limit of " + limit + " bytes" + (inflated ? " once decompressed" : "");
	}

	/** Reads the body until its end, the limit or the deadline, whichever comes first. */
	private static byte[] receive(InputStream in, long limit, long deadline) throws IOException, BodyRefused {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		byte[] buffer = new byte[8192];
		int n;
		while ((n = in.read(buffer, 0, (int) Math.min(buffer.length, limit + 1 - out.size()))) > 0) {
			out.write(buffer, 0, n);
			if (out.size() > limit) {
				throw new BodyRefused(413, tooLarge(limit, false));
			}
			if (System.nanoTime() > deadline) {
				throw new BodyRefused(408, "the request body did not arrive in time");
			}
		}
		return out.toByteArray();
	}

	private static byte[] inflate(byte[] compressed, String encoding, long limit) throws BodyRefused {
		try (InputStream in = encoding.equals("gzip")
				? new GZIPInputStream(new ByteArrayInputStream(compressed))
				: new InflaterInputStream(new ByteArrayInputStream(compressed))) {
			byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
			if (body.length > limit) {
				throw new BodyRefused(413, tooLarge(limit, true));
			}
			return body;
		} catch (ZipException | java.io.EOFException e) {
			throw new BodyRefused(400, "the request body is not valid " + encoding + " data");
		} catch (IOException e) {
			throw new BodyRefused(400, "the request body could not be decompressed");
		}
	}

	private static void refuse(HttpServletRequest request, HttpServletResponse response, int status, String message)
			throws IOException {
		// the unread rest of the body would otherwise be waited for on a kept-alive connection
		response.setHeader("Connection", "close");
		if (request.getRequestURI().startsWith(request.getContextPath() + "/cds-services")) {
			ErrorResponses.json(response, status, message);
		} else {
			OperationOutcome.IssueType code = switch (status) {
				case 413, 503 -> OperationOutcome.IssueType.TOOCOSTLY;
				case 408 -> OperationOutcome.IssueType.TIMEOUT;
				case 415 -> OperationOutcome.IssueType.NOTSUPPORTED;
				default -> OperationOutcome.IssueType.INVALID;
			};
			ErrorResponses.operationOutcome(request, response, status, code, message);
		}
	}

	private static final class BodyRefused extends Exception {
		final int status;

		BodyRefused(int status, String message) {
			super(message, null, false, false);
			this.status = status;
		}
	}

	/** The request with its body from memory; decompressed bodies no longer say Content-Encoding. */
	private static final class BufferedBodyRequest extends HttpServletRequestWrapper {
		private final byte[] body;

		BufferedBodyRequest(HttpServletRequest request, byte[] body) {
			super(request);
			this.body = body;
		}

		@Override
		public String getHeader(String name) {
			if ("Content-Encoding".equalsIgnoreCase(name)) {
				return null;
			}
			if ("Content-Length".equalsIgnoreCase(name)) {
				return String.valueOf(body.length);
			}
			if ("Transfer-Encoding".equalsIgnoreCase(name)) {
				return null;
			}
			return super.getHeader(name);
		}

		@Override
		public Enumeration<String> getHeaders(String name) {
			if ("Content-Encoding".equalsIgnoreCase(name) || "Transfer-Encoding".equalsIgnoreCase(name)) {
				return Collections.emptyEnumeration();
			}
			if ("Content-Length".equalsIgnoreCase(name)) {
				return Collections.enumeration(List.of(String.valueOf(body.length)));
			}
			return super.getHeaders(name);
		}

		@Override
		public ServletInputStream getInputStream() {
			ByteArrayInputStream in = new ByteArrayInputStream(body);
			return new ServletInputStream() {
				@Override
				public int read() {
					return in.read();
				}

				@Override
				public int read(byte[] b, int off, int len) {
					return in.read(b, off, len);
				}

				@Override
				public boolean isFinished() {
					return in.available() == 0;
				}

				@Override
				public boolean isReady() {
					return true;
				}

				@Override
				public void setReadListener(ReadListener listener) {
					throw new UnsupportedOperationException("blocking reads only");
				}
			};
		}

		@Override
		public BufferedReader getReader() {
			Charset charset = StandardCharsets.UTF_8;
			try {
				if (getCharacterEncoding() != null) {
					charset = Charset.forName(getCharacterEncoding());
				}
			} catch (IllegalArgumentException unknownCharset) {
				// a made-up charset is read as UTF-8, as HAPI does
			}
			return new BufferedReader(new InputStreamReader(getInputStream(), charset));
		}

		@Override
		public int getContentLength() {
			return body.length;
		}

		@Override
		public long getContentLengthLong() {
			return body.length;
		}
	}
}
