package org.adhdkb.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import ca.uhn.fhir.storage.interceptor.balp.BalpAuditCaptureInterceptor;
import ca.uhn.fhir.storage.interceptor.balp.IBalpAuditContextServices;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Reference;

/**
 * Records every write made through /fhir as an AuditEvent (HAPI's IHE BALP profile), stored in the same database
 * transaction as the write: a write that commits has its record, one that rolls back has none. Query them with
 * {@code GET /fhir/AuditEvent?entity=Patient/123} (a token with AuditEvent read scope).
 *
 * <p>Only BALP's write hooks are used: BALP would also record every read and search, which would turn each read of
 * the knowledge into a database write. Registered on the REST server only, so writes that do not come from a client
 * (the content loader, and the AuditEvent itself, stored with a system request) are not recorded: no recursion.
 */
@Interceptor
class WriteAuditTrail {

	private final BalpAuditCaptureInterceptor balp;

	WriteAuditTrail(DaoRegistry daos) {
		this.balp = new BalpAuditCaptureInterceptor(
				event -> daos.getResourceDao(AuditEvent.class).create(event, new SystemRequestDetails()),
				new Who());
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
	public void created(IBaseResource resource, ServletRequestDetails request) {
		balp.hookStoragePrecommitResourceCreated(resource, request);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
	public void updated(IBaseResource previous, IBaseResource resource, ServletRequestDetails request) {
		balp.hookStoragePrecommitResourceUpdated(previous, resource, request);
	}

	@Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
	public void deleted(IBaseResource resource, ServletRequestDetails request) {
		balp.hookStoragePrecommitResourceDeleted(resource, request);
	}

	/** The client and user come from the verified token; without one (local writes) the caller is anonymous. */
	private static final class Who implements IBalpAuditContextServices {

		@Override
		public Reference getAgentClientWho(RequestDetails request) {
			AccessToken token = AccessToken.of(request);
			if (token == null || token.clientId() == null) {
				return new Reference().setDisplay(token == null ? "anonymous" : "unnamed client");
			}
			Reference who = new Reference().setDisplay(token.clientId());
			who.getIdentifier().setSystem(token.issuer()).setValue(token.clientId());
			return who;
		}

		@Override
		public Reference getAgentUserWho(RequestDetails request) {
			AccessToken token = AccessToken.of(request);
			if (token == null || token.subject() == null) {
				return new Reference().setDisplay(token == null ? "anonymous (local writes)" : "unnamed subject");
			}
			Reference who = new Reference().setDisplay(token.subject());
			who.getIdentifier().setSystem(token.issuer()).setValue(token.subject());
			return who;
		}

		/**
		 * BALP qualifies the id with the request's server base; stored with a system request, HAPI would take that for
		 * an external URL and leave it unindexed, so the record could not be found with {@code entity=}. So ids of this
		 * server lose the base. An id of another server (a patient at {@code http://other-hospital.example/fhir}) keeps
		 * it: made relative, it named a local patient of the same id, or none (and the write was refused).
		 */
		@Override
		public String massageResourceIdForStorage(RequestDetails request, IBaseResource resource, IIdType id) {
			String ownBase = request.getFhirServerBase();
			if (id.hasBaseUrl()) {
				return isOwn(id.getBaseUrl(), ownBase) ? id.toUnqualified().getValue() : id.getValue();
			}
			// BALP finds the patients a resource is about with HAPI's terser, which hands back their ids without the
			// base: the resource's own references say whether that patient is this server's or another's
			String external = externalReferenceTo(request, resource, id, ownBase);
			return external != null ? external : id.getValue();
		}

		/** The absolute reference of {@code resource} to {@code id} on another server, if it has one and no local one. */
		private static String externalReferenceTo(RequestDetails request, IBaseResource resource, IIdType id, String ownBase) {
			if (resource == null || id.getResourceType() == null || id.getIdPart() == null || request.getFhirContext() == null) {
				return null;
			}
			String relative = id.toUnqualifiedVersionless().getValue();
			String external = null;
			for (ca.uhn.fhir.util.ResourceReferenceInfo info : request.getFhirContext().newTerser().getAllResourceReferences(resource)) {
				IIdType target = info.getResourceReference().getReferenceElement();
				if (target == null || target.getValue() == null || !relative.equals(target.toUnqualifiedVersionless().getValue())) {
					continue;
				}
				if (!target.hasBaseUrl() || isOwn(target.getBaseUrl(), ownBase)) {
					return null; // the resource also names a local one of the same id: that is the one
				}
				external = target.toVersionless().getValue();
			}
			return external;
		}

		private static boolean isOwn(String base, String ownBase) {
			return ownBase != null && stripSlash(base).equals(stripSlash(ownBase));
		}

		private static String stripSlash(String url) {
			return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
		}
	}
}
