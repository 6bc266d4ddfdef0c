/**
 * Trusted documents (optional, `TRUSTED_DOCUMENTS`): when set, only the operations registered in that file run.
 * The file is a JSON array of GraphQL documents (or an object whose values are documents: name → document), for
 * example exported from the departmental systems' code. A request is compared in a canonical form (parsed and
 * printed again), so whitespace, commas and comments do not matter; any other document is refused FORBIDDEN
 * before it runs, over HTTP and WebSocket alike — an ad-hoc query cannot reach the hub.
 */
import fs from 'node:fs';
import { parse, print, type ValidationRule } from 'graphql';
import { forbidden } from '../errors';

/** The canonical form of a document: printed by graphql-js from its parse. */
export function canonicalDocument(text: string): string {
  return print(parse(text));
}

/**
 * Reads a trusted-documents file into the set of canonical documents; throws an Error whose message says what is
 * wrong (the file, its JSON, the document that does not parse).
 */
export function loadTrustedDocuments(file: string): Set<string> {
  let content: unknown;
  try {
    content = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${file} as JSON: ${(error as Error).message}`);
  }
  const documents = Array.isArray(content) ? content : content && typeof content === 'object' ? Object.values(content) : null;
  if (!documents || !documents.length || documents.some((document) => typeof document !== 'string')) {
    throw new Error(`${file} must hold a non-empty JSON array of GraphQL documents, or an object of them`);
  }
  return new Set(
    (documents as string[]).map((document, i) => {
      try {
        return canonicalDocument(document);
      } catch (error) {
        throw new Error(`document ${i + 1} of ${file} does not parse: ${(error as Error).message}`);
      }
    }),
  );
}

/** Refuses every document that is not in `trusted`. */
export function trustedDocumentsRule(trusted: ReadonlySet<string>): ValidationRule {
  return (context) => ({
    Document(document) {
      if (!trusted.has(print(document))) {
        context.reportError(forbidden('only registered operations run on this hub (TRUSTED_DOCUMENTS), and this document is not one of them'));
      }
      return false;
    },
  });
}
