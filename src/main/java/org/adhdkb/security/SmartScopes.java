package org.adhdkb.security;

import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a token's SMART scopes grant, per resource type ({@code *} for all types).
 *
 * <p>SMART v2 ({@code user/MedicationKnowledge.u}, {@code system/*.cud}, {@code user/*.rs}) and v1
 * ({@code .read} = rs, {@code .write} = cud, {@code .*} = cruds). Only the {@code user} and {@code system} contexts
 * grant anything: this server holds knowledge, not a patient's record, so a {@code patient/} scope has no patient to
 * narrow to. Scopes with a query ({@code ?category=...}) grant nothing rather than more than they say.
 */
public final class SmartScopes {

	public enum Permission { CREATE, READ, UPDATE, DELETE, SEARCH }

	public static final String ALL_TYPES = "*";

	private static final Pattern SCOPE = Pattern.compile("(user|system)/(\\*|[A-Z][A-Za-z]+)\\.(read|write|\\*|c?r?u?d?s?)");

	private final Map<String, Set<Permission>> byType;

	private SmartScopes(Map<String, Set<Permission>> byType) {
		this.byType = byType;
	}

	public static SmartScopes parse(String scopeClaim) {
		Map<String, Set<Permission>> byType = new LinkedHashMap<>();
		if (scopeClaim != null) {
			for (String scope : scopeClaim.trim().split("\\s+")) {
				Matcher m = SCOPE.matcher(scope);
				if (!m.matches() || m.group(3).isEmpty()) {
					continue;
				}
				byType.computeIfAbsent(m.group(2), t -> EnumSet.noneOf(Permission.class)).addAll(permissions(m.group(3)));
			}
		}
		return new SmartScopes(byType);
	}

	private static Set<Permission> permissions(String actions) {
		return switch (actions) {
			case "read" -> EnumSet.of(Permission.READ, Permission.SEARCH);
			case "write" -> EnumSet.of(Permission.CREATE, Permission.UPDATE, Permission.DELETE);
			case "*" -> EnumSet.allOf(Permission.class);
			default -> {
				Set<Permission> set = EnumSet.noneOf(Permission.class);
				for (char c : actions.toCharArray()) {
					set.add(switch (c) {
						case 'c' -> Permission.CREATE;
						case 'r' -> Permission.READ;
						case 'u' -> Permission.UPDATE;
						case 'd' -> Permission.DELETE;
						default -> Permission.SEARCH;
					});
				}
				yield set;
			}
		};
	}

	/** The resource types named (possibly {@code *}), each with what it grants including what {@code *} grants. */
	public Map<String, Set<Permission>> grants() {
		Set<Permission> wildcard = byType.getOrDefault(ALL_TYPES, Set.of());
		Map<String, Set<Permission>> effective = new LinkedHashMap<>();
		byType.forEach((type, granted) -> {
			Set<Permission> set = EnumSet.noneOf(Permission.class);
			set.addAll(granted);
			set.addAll(wildcard);
			effective.put(type, set);
		});
		return Collections.unmodifiableMap(effective);
	}

	public boolean allows(String type, Permission permission) {
		return byType.getOrDefault(type, Set.of()).contains(permission)
				|| byType.getOrDefault(ALL_TYPES, Set.of()).contains(permission);
	}

	/** Create, update and delete on every type: the authoring scope, which also admits admin operations. */
	public boolean isAuthor() {
		Set<Permission> wildcard = byType.getOrDefault(ALL_TYPES, Set.of());
		return wildcard.containsAll(EnumSet.of(Permission.CREATE, Permission.UPDATE, Permission.DELETE));
	}

	@Override
	public String toString() {
		return byType.toString();
	}
}
