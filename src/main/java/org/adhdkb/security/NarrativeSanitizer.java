package org.adhdkb.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.util.FhirTerser;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.utilities.xhtml.NodeType;
import org.hl7.fhir.utilities.xhtml.XhtmlNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Cleans every narrative written through /fhir before it is stored, and refuses NUL characters and unpaired
 * surrogates anywhere in a resource. Clients show {@code text.div} as HTML; FHIR R4 (Narrative) forbids scripts, forms, frames, objects,
 * event attributes and the like in it, and HAPI stores whatever it is given. An allow-list on the parsed XHTML:
 * elements FHIR narratives use are kept, dangerous ones are removed with their content (script, iframe, object,
 * form, ...), other unknown ones are unwrapped (their text kept); attributes outside the list, every {@code on*}
 * attribute, links other than http(s), mailto, fragments and relative ones, and styles that could load or run
 * anything are dropped. Written here, on the parsed tree, so that what is allowed is kept exactly as sent (an HTML
 * sanitiser re-serialises the markup, which the FHIR XHTML rules do not always accept).
 */
@Interceptor
class NarrativeSanitizer {

	private static final Set<String> ELEMENTS = Set.of(
			"div", "p", "span", "br", "hr", "a", "b", "i", "u", "s", "em", "strong", "small", "big", "sub", "sup", "code",
			"pre", "tt", "samp", "kbd", "var", "q", "cite", "abbr", "acronym", "dfn", "blockquote", "address", "del", "ins",
			"h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
			"table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td", "img");

	/** Removed with everything inside them. */
	private static final Set<String> DANGEROUS = Set.of(
			"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input", "button",
			"select", "textarea", "option", "base", "link", "meta", "head", "title", "svg", "math", "template", "noscript",
			"audio", "video", "source", "canvas", "portal");

	private static final Set<String> ATTRIBUTES = Set.of(
			"xmlns", "class", "style", "id", "lang", "xml:lang", "title", "dir", "href", "name", "src", "alt", "width",
			"height", "colspan", "rowspan", "scope", "headers", "align", "valign", "border", "cellpadding", "cellspacing",
			"summary", "span", "abbr", "cite", "datetime", "start", "type", "value", "reversed");

	private static final Set<String> LINK_ATTRIBUTES = Set.of("href", "src", "cite");
	private static final Pattern SAFE_LINK = Pattern.compile("(?i)(https?:|mailto:|#|/|\\.|[^:/?#]*(?:[/?#]|$)).*");
	private static final Pattern UNSAFE_STYLE = Pattern.compile("(?i).*(\\(|\\\\|@|expression|javascript|behavio).*", Pattern.DOTALL);

	private final FhirTerser terser;

	NarrativeSanitizer(FhirContext fhirContext) {
		this.terser = fhirContext.newTerser();
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
	public void created(IBaseResource resource) {
		clean(resource);
	}

	@Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
	public void updated(@SuppressWarnings("unused") IBaseResource previous, IBaseResource resource) {
		clean(resource);
	}

	void clean(IBaseResource resource) {
		for (IPrimitiveType<?> primitive : terser.getAllPopulatedChildElementsOfType(resource, IPrimitiveType.class)) {
			String value = primitive.getValueAsString();
			if (value != null && value.indexOf('\u0000') >= 0) {
				throw nul();
			}
			if (value != null && hasLoneSurrogate(value)) {
				// not a character at all: it cannot be encoded as UTF-8, and storing it failed later with a 500
				throw invalid("the resource contains an unpaired UTF-16 surrogate (\\ud800-\\udfff), which is not a character");
			}
		}
		for (Narrative narrative : terser.getAllPopulatedChildElementsOfType(resource, Narrative.class)) {
			if (narrative.hasDiv()) {
				sanitise(narrative.getDiv().getChildNodes());
				narrative.getDiv().getAttributes().keySet().removeIf(name -> !name.equals("xmlns") && !allowedAttribute(name,
						narrative.getDiv().getAttributes().get(name)));
			}
		}
	}

	private static void sanitise(List<XhtmlNode> children) {
		List<XhtmlNode> result = new ArrayList<>();
		for (XhtmlNode node : children) {
			if (node.getNodeType() == NodeType.Text || node.getNodeType() == NodeType.Comment) {
				if (node.getContent() != null && node.getContent().indexOf('\u0000') >= 0) {
					throw nul();
				}
				result.add(node);
				continue;
			}
			if (node.getNodeType() != NodeType.Element) {
				continue; // processing instructions, DOCTYPE: nothing a narrative needs
			}
			String name = node.getName() == null ? "" : node.getName().toLowerCase(Locale.ROOT);
			if (DANGEROUS.contains(name)) {
				continue;
			}
			sanitise(node.getChildNodes());
			if (!ELEMENTS.contains(name)) {
				result.addAll(node.getChildNodes()); // unwrap: keep the text, lose the element
				continue;
			}
			Map<String, String> attributes = node.getAttributes();
			attributes.keySet().removeIf(attribute -> !allowedAttribute(attribute, attributes.get(attribute)));
			result.add(node);
		}
		children.clear();
		children.addAll(result);
	}

	private static boolean allowedAttribute(String name, String value) {
		String n = name.toLowerCase(Locale.ROOT);
		if (!ATTRIBUTES.contains(n)) {
			return false;
		}
		String v = value == null ? "" : value.replaceAll("[\\s\\x00-\\x1f]", "");
		if (LINK_ATTRIBUTES.contains(n)) {
			return SAFE_LINK.matcher(v).matches();
		}
		return !n.equals("style") || !UNSAFE_STYLE.matcher(v).matches();
	}

	private static boolean hasLoneSurrogate(String value) {
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
				i++;
			} else if (Character.isSurrogate(c)) {
				return true;
			}
		}
		return false;
	}

	private static InvalidRequestException nul() {
		return invalid("the resource contains a NUL character (U+0000), which FHIR strings may not contain");
	}

	private static InvalidRequestException invalid(String message) {
		OperationOutcome outcome = new OperationOutcome();
		outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(OperationOutcome.IssueType.INVALID)
				.setDiagnostics(message);
		return new InvalidRequestException(message, outcome);
	}
}
