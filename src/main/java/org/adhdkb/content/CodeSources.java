package org.adhdkb.content;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The project's source table ({@code fhir-resources/SOURCES.md}): which source every external code comes from. A code
 * of a code system that is not our own is used only when the table lists it, so that a clone of the repository can
 * check its codes without the research notes they came from.
 *
 * <p>The table is Markdown so that people read it on GitHub; two of its tables are read here: "Sources" (id,
 * location, what) and "Codes" (system, code, display, sources). A row's sources are ids separated by {@code ;}, each
 * optionally followed by where in that source the code was read.
 */
public final class CodeSources {

	private final Map<String, String> sourceLocations;
	/** system|code -> source ids of the row */
	private final Map<String, List<String>> rows;
	private final List<ContentProblem> tableProblems;

	private CodeSources(Map<String, String> sourceLocations, Map<String, List<String>> rows, List<ContentProblem> problems) {
		this.sourceLocations = sourceLocations;
		this.rows = rows;
		this.tableProblems = problems;
	}

	public static CodeSources parse(String markdown) {
		Map<String, String> sources = new LinkedHashMap<>();
		Map<String, List<String>> rows = new LinkedHashMap<>();
		List<ContentProblem> problems = new ArrayList<>();
		String section = "";
		int lineNumber = 0;
		for (String line : markdown.split("\n")) {
			lineNumber++;
			String trimmed = line.strip();
			if (trimmed.startsWith("## ")) {
				section = trimmed.substring(3).strip();
				continue;
			}
			if (!trimmed.startsWith("|") || trimmed.startsWith("|---") || trimmed.startsWith("| id ")
					|| trimmed.startsWith("| system ")) {
				continue;
			}
			String[] cells = trimmed.substring(1, trimmed.length() - (trimmed.endsWith("|") ? 1 : 0)).split("\\|", -1);
			String where = ContentPackage.SOURCE_TABLE + " line " + lineNumber;
			if (section.equals("Sources") && cells.length >= 2) {
				sources.put(cells[0].strip(), cells[1].strip());
			} else if (section.equals("Codes") && cells.length == 4) {
				String key = cells[0].strip() + "|" + cells[1].strip();
				List<String> ids = new ArrayList<>();
				for (String part : cells[3].split(";")) {
					String id = part.strip().split("\\s+", 2)[0];
					if (!id.isEmpty()) {
						ids.add(id);
					}
				}
				if (ids.isEmpty()) {
					problems.add(new ContentProblem(where, key, "a code row must name its sources"));
				}
				if (rows.put(key, ids) != null) {
					problems.add(new ContentProblem(where, key, "the code is listed twice"));
				}
			} else if (section.equals("Codes")) {
				problems.add(new ContentProblem(where, "", "a code row has four cells: system, code, display, sources"));
			}
		}
		for (Map.Entry<String, List<String>> row : rows.entrySet()) {
			for (String id : row.getValue()) {
				if (!sources.containsKey(id)) {
					problems.add(new ContentProblem(ContentPackage.SOURCE_TABLE, row.getKey(),
							"source id '" + id + "' is not in the Sources table"));
				}
			}
		}
		return new CodeSources(sources, rows, problems);
	}

	public boolean lists(String system, String code) {
		return rows.containsKey(system + "|" + code);
	}

	public Set<String> sourceIds() {
		return sourceLocations.keySet();
	}

	/**
	 * Every external code the files use that the table does not list, and the table's own faults. A code is external
	 * when its system is not under the package's canonical base.
	 */
	public List<ContentProblem> check(List<ContentFile> files, String canonicalBase) {
		List<ContentProblem> problems = new ArrayList<>(tableProblems);
		ObjectMapper mapper = new ObjectMapper();
		for (ContentFile file : files) {
			JsonNode root;
			try {
				root = mapper.readTree(file.text());
			} catch (IOException e) {
				continue; // the parse check reports it
			}
			Set<String> reported = new HashSet<>();
			for (UsedCode used : usedCodes(root)) {
				if (used.system().startsWith(canonicalBase + "/") || lists(used.system(), used.code())
						|| !reported.add(used.system() + "|" + used.code())) {
					continue;
				}
				problems.add(new ContentProblem(file.path(), used.element(), "code " + used.system() + "|" + used.code()
						+ " has no source: add a row to " + ContentPackage.SOURCE_TABLE));
			}
		}
		return problems;
	}

	/** A code as one element of a resource uses it. */
	record UsedCode(String element, String system, String code) {}

	/**
	 * The codes a resource uses: every Coding and coded Quantity ({@code system} + {@code code}), the concepts a
	 * ValueSet includes or excludes, the concepts of a fragment of an external CodeSystem, and a ConceptMap's source
	 * and target codes. The JSON is walked rather than the HAPI model so that each problem names its element path.
	 */
	static List<UsedCode> usedCodes(JsonNode root) {
		List<UsedCode> codes = new ArrayList<>();
		String type = root.path("resourceType").asText();
		walk(root, type, codes);
		if (type.equals("ValueSet")) {
			for (String part : List.of("include", "exclude")) {
				JsonNode entries = root.path("compose").path(part);
				for (int i = 0; i < entries.size(); i++) {
					JsonNode entry = entries.get(i);
					JsonNode concepts = entry.path("concept");
					for (int c = 0; c < concepts.size(); c++) {
						codes.add(new UsedCode("ValueSet.compose." + part + "[" + i + "].concept[" + c + "]",
								entry.path("system").asText(), concepts.get(c).path("code").asText()));
					}
				}
			}
		} else if (type.equals("CodeSystem")) {
			concepts(root.path("concept"), "CodeSystem.concept", root.path("url").asText(), codes);
		} else if (type.equals("ConceptMap")) {
			JsonNode groups = root.path("group");
			for (int g = 0; g < groups.size(); g++) {
				JsonNode group = groups.get(g);
				JsonNode elements = group.path("element");
				for (int e = 0; e < elements.size(); e++) {
					String path = "ConceptMap.group[" + g + "].element[" + e + "]";
					codes.add(new UsedCode(path, group.path("source").asText(), elements.get(e).path("code").asText()));
					JsonNode targets = elements.get(e).path("target");
					for (int t = 0; t < targets.size(); t++) {
						codes.add(new UsedCode(path + ".target[" + t + "]", group.path("target").asText(),
								targets.get(t).path("code").asText()));
					}
				}
			}
		}
		return codes;
	}

	private static void concepts(JsonNode concepts, String path, String system, List<UsedCode> codes) {
		for (int c = 0; c < concepts.size(); c++) {
			String at = path + "[" + c + "]";
			codes.add(new UsedCode(at, system, concepts.get(c).path("code").asText()));
			concepts(concepts.get(c).path("concept"), at + ".concept", system, codes);
		}
	}

	private static void walk(JsonNode node, String path, List<UsedCode> codes) {
		if (node.isObject()) {
			if (node.path("system").isTextual() && node.path("code").isTextual()) {
				codes.add(new UsedCode(path, node.get("system").asText(), node.get("code").asText()));
			}
			node.fields().forEachRemaining(field -> walk(field.getValue(), path + "." + field.getKey(), codes));
		} else if (node.isArray()) {
			for (int i = 0; i < node.size(); i++) {
				walk(node.get(i), path + "[" + i + "]", codes);
			}
		}
	}
}
