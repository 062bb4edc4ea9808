package org.adhdkb.security;

/** A token that is refused; the message says why and is safe to show the caller. */
class InvalidTokenException extends Exception {

	InvalidTokenException(String message) {
		super(message);
	}
}
