package org.adhdkb.security;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import jakarta.servlet.http.HttpServletRequest;

/** A verified bearer token: who sent it and what its scopes grant. Kept on the servlet request for HAPI's rules. */
public record AccessToken(String issuer, String subject, String clientId, SmartScopes scopes) {

	static final String ATTRIBUTE = AccessToken.class.getName();

	void attachTo(HttpServletRequest request) {
		request.setAttribute(ATTRIBUTE, this);
	}

	/** The token the request was verified with, or null for an anonymous request (or one not from a client). */
	public static AccessToken of(RequestDetails request) {
		if (request instanceof ServletRequestDetails servlet && servlet.getServletRequest() != null) {
			return (AccessToken) servlet.getServletRequest().getAttribute(ATTRIBUTE);
		}
		return null;
	}
}
