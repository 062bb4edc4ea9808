package org.adhdkb.server;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.io.PrintWriter;

/**
 * Lets the servlet container decide when to send response bytes. HAPI's JSON encoder writes every string and number
 * through Jackson's {@code writeObjectField}, which flushes after each value (Jackson's default
 * FLUSH_AFTER_WRITE_VALUE, not configurable from outside HAPI); on a servlet writer every flush is a socket write. A
 * 30 KB $apply answer went out in hundreds of small writes, a seventh of the request's CPU time in the profile. Here
 * those flushes are ignored: Tomcat still sends when its buffer fills and when the response completes.
 */
public class NoEarlyFlushFilter extends OncePerRequestFilter {

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		chain.doFilter(request, new Unflushed(response));
	}

	private static final class Unflushed extends HttpServletResponseWrapper {

		private PrintWriter writer;
		private ServletOutputStream stream;

		Unflushed(HttpServletResponse response) {
			super(response);
		}

		@Override
		public PrintWriter getWriter() throws IOException {
			if (writer == null) {
				writer = new PrintWriter(super.getWriter(), false) {
					@Override
					public void flush() {
						// the container flushes when the response completes
					}
				};
			}
			return writer;
		}

		@Override
		public ServletOutputStream getOutputStream() throws IOException {
			if (stream == null) {
				ServletOutputStream delegate = super.getOutputStream();
				stream = new ServletOutputStream() {
					@Override
					public void write(int b) throws IOException {
						delegate.write(b);
					}

					@Override
					public void write(byte[] b, int off, int len) throws IOException {
						delegate.write(b, off, len);
					}

					@Override
					public void flush() {
						// the container flushes when the response completes
					}

					@Override
					public void close() throws IOException {
						delegate.close();
					}

					@Override
					public boolean isReady() {
						return delegate.isReady();
					}

					@Override
					public void setWriteListener(WriteListener listener) {
						delegate.setWriteListener(listener);
					}
				};
			}
			return stream;
		}
	}

	@Configuration
	static class Registration {
		@Bean
		FilterRegistrationBean<NoEarlyFlushFilter> noEarlyFlush() {
			FilterRegistrationBean<NoEarlyFlushFilter> registration = new FilterRegistrationBean<>(new NoEarlyFlushFilter());
			registration.addUrlPatterns(FhirRestConfig.FHIR_PATH + "/*");
			// innermost, next to HAPI's servlet: the response cache and everything else see the response as before
			registration.setOrder(Ordered.LOWEST_PRECEDENCE);
			return registration;
		}
	}
}
