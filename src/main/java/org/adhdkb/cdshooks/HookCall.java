package org.adhdkb.cdshooks;

import ca.uhn.fhir.rest.api.server.RequestDetails;

/**
 * What every service needs to know about the call besides the patient data.
 *
 * @param hook     the hook that fired
 * @param fhirBase  the base URL of adhdkb's own FHIR endpoint
 * @param pagesBase the base URL of adhdkb's knowledge browser, for links people follow to the knowledge a card
 *                  comes from
 * @param request   the request details our DAO reads run under
 */
record HookCall(String hook, String fhirBase, String pagesBase, RequestDetails request) {}
