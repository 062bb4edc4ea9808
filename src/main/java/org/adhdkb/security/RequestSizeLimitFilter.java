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

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Refuses request bodies over the configured size with 413. Neither Tomcat (its limit covers form posts only) nor HAPI
 * limits a body, and HAPI reads a whole body into memory before parsing it. A declared Content-Length is checked at
 * once; a chunked body is read here up to the limit, so nothing larger is ever held.
 */
class RequestSizeLimitFilter extends OncePerRequestFilter {

	private final long maximum;

	RequestSizeLimitFilter(long maximum) {
		this.maximum = maximum;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		long declared = request.getContentLengthLong();
		if (declared > maximum) {
			refuse(request, response);
			return;
		}
		if (declared < 0 && request.getHeader("Transfer-Encoding") != null) {
			byte[] body = readAtMost(request.getInputStream(), maximum + 1);
			if (body.length > maximum) {
				refuse(request, response);
				return;
			}
			chain.doFilter(new BufferedBodyRequest(request, body), response);
			return;
		}
		chain.doFilter(request, response);
	}

	private void refuse(HttpServletRequest request, HttpServletResponse response) throws IOException {
		String message = "the request body is larger than the limit of " + maximum + " bytes";
		// the unread rest of the body would otherwise be waited for on a kept-alive connection
		response.setHeader("Connection", "close");
		if (request.getRequestURI().startsWith(request.getContextPath() + "/cds-services")) {
			ErrorResponses.json(response, 413, message);
		} else {
			ErrorResponses.operationOutcome(request, response, 413, OperationOutcome.IssueType.TOOCOSTLY, message);
		}
	}

	private static byte[] readAtMost(InputStream in, long limit) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		byte[] buffer = new byte[8192];
		int n;
		while (out.size() < limit && (n = in.read(buffer, 0, (int) Math.min(buffer.length, limit - out.size()))) != -1) {
			out.write(buffer, 0, n);
		}
		return out.toByteArray();
	}

	private static final class BufferedBodyRequest extends HttpServletRequestWrapper {
		private final byte[] body;

		BufferedBodyRequest(HttpServletRequest request, byte[] body) {
			super(request);
			this.body = body;
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
		public java.io.BufferedReader getReader() {
			java.nio.charset.Charset charset = java.nio.charset.StandardCharsets.UTF_8;
			try {
				if (getCharacterEncoding() != null) {
					charset = java.nio.charset.Charset.forName(getCharacterEncoding());
				}
			} catch (IllegalArgumentException unknownCharset) {
				// a made-up charset is read as UTF-8, as HAPI does
			}
			return new java.io.BufferedReader(new java.io.InputStreamReader(getInputStream(), charset));
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
