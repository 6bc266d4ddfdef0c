/**
 * The GraphQL documents the hub shows and runs itself: those in README.md's code blocks (curl bodies, the node -e
 * examples, GET query strings) and those in the TypeScript of the benchmarks and the demo (string and template
 * literals, their `${…}` parts resolved from the file's own constants). A literal that starts like an operation
 * (`{`, `query`, `mutation`, `subscription`) and holds a selection set is taken for one; test/unit/documents.test.ts
 * checks each against the schema and MAX_QUERY_COST.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface FoundDocument {
  /** Where it was found: `README.md:123` or `bench/read.ts:33`. */
  where: string;
  text: string;
  /** Why the text could not be read as a string (e.g. a raw line break inside a JSON string: the hub refuses that body). */
  unreadable?: string;
}

const LOOKS_LIKE_AN_OPERATION = /^\s*(\{\s*[_A-Za-z.]|(query|mutation|subscription)\b)/;

/** The documents in the code blocks of a Markdown text. */
export function markdownDocuments(markdown: string, file: string): FoundDocument[] {
  const found: FoundDocument[] = [];
  const lineOf = (offset: number) => markdown.slice(0, offset).split('\n').length;
  for (const block of markdown.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)) {
    const body = block[1];
    const start = block.index! + block[0].indexOf(body);
    // "query": "…" (JSON bodies) and query: "…" (JavaScript): a double-quoted string with JSON's escapes.
    for (const match of body.matchAll(/"?\bquery"?\s*:\s*("(?:[^"\\]|\\.)*")/g)) {
      const where = `${file}:${lineOf(start + match.index!)}`;
      try {
        found.push({ where, text: JSON.parse(match[1]) as string });
      } catch (error) {
        found.push({ where, text: match[1].slice(1, -1), unreadable: `not a JSON string: ${(error as Error).message}` });
      }
    }
    // GET /graphql?query=… (URL-encoded).
    for (const match of body.matchAll(/[?&]query=([^&'"\s]+)/g)) {
      found.push({ where: `${file}:${lineOf(start + match.index!)}`, text: decodeURIComponent(match[1]) });
    }
  }
  return found.filter((document) => LOOKS_LIKE_AN_OPERATION.test(document.text));
}

/** A `${…}` part that the file's constants do not decide. */
class Unresolved extends Error {}

/** The documents in the string and template literals of a TypeScript source text. */
export function typeScriptDocuments(source: string, file: string): FoundDocument[] {
  const sourceFile = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true);
  const constants = new Map<string, ts.Expression>();
  const found: FoundDocument[] = [];
  const visitConstants = (node: ts.Node) => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && ts.getCombinedNodeFlags(node) & ts.NodeFlags.Const) {
      constants.set(node.name.text, node.initializer);
    }
    ts.forEachChild(node, visitConstants);
  };
  visitConstants(sourceFile);

  const evaluate = (node: ts.Expression, depth = 0): unknown => {
    if (depth > 20) throw new Unresolved(node.getText());
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
    if (ts.isNumericLiteral(node)) return Number(node.text);
    if (ts.isParenthesizedExpression(node)) return evaluate(node.expression, depth + 1);
    if (ts.isTemplateExpression(node)) {
      return node.templateSpans.reduce((text, span) => text + String(evaluate(span.expression, depth + 1)) + span.literal.text, node.head.text);
    }
    if (ts.isIdentifier(node) && constants.has(node.text)) return evaluate(constants.get(node.text)!, depth + 1);
    // Settings read from the environment count as their defaults: process.env.X ?? 500, Number(…).
    if (ts.isPropertyAccessExpression(node) && node.expression.getText() === 'process.env') return undefined;
    if (ts.isBinaryExpression(node) && [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken].includes(node.operatorToken.kind)) {
      return evaluate(node.left, depth + 1) ?? evaluate(node.right, depth + 1);
    }
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      return (evaluate(node.left, depth + 1) as string) + (evaluate(node.right, depth + 1) as string);
    }
    if (ts.isCallExpression(node) && node.expression.getText() === 'Number' && node.arguments.length === 1)
      return Number(evaluate(node.arguments[0], depth + 1));
    throw new Unresolved(node.getText());
  };

  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) {
      const start = ts.isTemplateExpression(node) ? node.head.text : node.text;
      if (LOOKS_LIKE_AN_OPERATION.test(start)) {
        let text: string;
        try {
          text = String(evaluate(node));
        } catch (error) {
          if (!(error instanceof Unresolved)) throw error;
          // Kept as written: a document the test cannot read fails it (its parts must come from constants).
          text = node.getText();
        }
        // A selection set makes it a document; a line of text that starts with "query" is none.
        if (text.includes('{')) found.push({ where: `${file}:${sourceFile.getLineAndCharacterOfPosition(node.getStart()).line + 1}`, text });
      }
      return; // a template's parts are not documents of their own
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

/** Every document of README.md, bench/*.ts and src/demo/*.ts of the repository at `root`. */
export function shownDocuments(root: string): FoundDocument[] {
  const documents = markdownDocuments(fs.readFileSync(path.join(root, 'README.md'), 'utf8'), 'README.md');
  for (const folder of ['bench', 'src/demo']) {
    for (const name of fs
      .readdirSync(path.join(root, folder))
      .filter((entry) => entry.endsWith('.ts'))
      .sort()) {
      const file = `${folder}/${name}`;
      documents.push(...typeScriptDocuments(fs.readFileSync(path.join(root, file), 'utf8'), file));
    }
  }
  return documents;
}
