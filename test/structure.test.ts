import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Import direction of the folders under src/. `base` is the ground floor (camera and pose, linear
 * algebra, image records and sampling, colour, rectangles, mesh records): every folder may import
 * it and it imports nothing else. A stage may import only the folders listed for it here, so shared
 * math cannot creep back into a stage that another stage then reaches into. Files directly in src/
 * (the public entry points) may import anything. A new folder must be added to this table.
 */
const ALLOWED: Record<string, readonly string[]> = {
  base: [],
  model: ['base'],
  lighting: ['base'],
  perception: ['base'],
  fit: ['base', 'model'],
  render: ['base', 'model', 'lighting'],
  correspondence: ['base', 'model', 'fit'],
  identity: ['base', 'perception'],
  skin: ['base', 'correspondence'],
  photometric: ['base', 'model', 'lighting', 'fit', 'render'],
  texture: ['base', 'model', 'lighting', 'render', 'skin'],
  detail: ['base', 'model', 'lighting', 'fit', 'render', 'skin', 'photometric', 'texture'],
  export: ['base', 'model'],
  io: ['base'],
  pipeline: ['base', 'model', 'lighting', 'perception', 'fit', 'render', 'correspondence', 'identity', 'skin', 'photometric', 'texture', 'detail', 'export'],
  // '' = the public entry points directly in src/: the command line is built on facerecon/node.
  cli: ['base', 'model', 'perception', 'correspondence', 'identity', 'io', 'pipeline', ''],
};

/** Folders whose code must run in a browser too: no Node built-ins. */
const ISOMORPHIC = ['base', 'fit', 'render', 'texture', 'detail', 'export', 'lighting', 'photometric', 'skin', 'correspondence'];

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Module specifiers of static imports, re-exports and dynamic imports. */
export function importSpecifiers(text: string): string[] {
  const specs: string[] = [];
  const pattern = /(?:^|[\s;])(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(pattern)) specs.push(m[1] ?? m[2] ?? m[3]!);
  return specs;
}

/** Top-level folder under src/ of a file ('' for files directly in src/). */
function folderOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length > 1 ? rel[0]! : '';
}

/** Rule violations of one file, given its path under src/ and its text. */
export function importViolations(file: string, text: string): string[] {
  const from = folderOf(file);
  const out: string[] = [];
  if (from === '') return out;
  const allowed = ALLOWED[from];
  if (!allowed) return [`${path.relative(SRC, file)}: folder '${from}' is not in the import-direction table`];
  for (const spec of importSpecifiers(text)) {
    if (spec.startsWith('node:') && ISOMORPHIC.includes(from) && !file.includes(`${path.sep}node${path.sep}`)) {
      out.push(`${path.relative(SRC, file)}: isomorphic folder '${from}' imports ${spec}`);
    }
    if (!spec.startsWith('.')) continue;
    const target = path.resolve(path.dirname(file), spec);
    const rel = path.relative(SRC, target);
    if (rel.startsWith('..')) { out.push(`${path.relative(SRC, file)}: imports ${spec} from outside src/`); continue; }
    const to = folderOf(target);
    if (to === from) continue;
    if (!allowed.includes(to)) out.push(`${path.relative(SRC, file)}: '${from}' may not import '${to || 'src/'}' (${spec})`);
  }
  return out;
}

test('every folder under src/ imports only the folders below it', () => {
  const violations = sourceFiles(SRC).flatMap((f) => importViolations(f, fs.readFileSync(f, 'utf8')));
  assert.deepEqual(violations, []);
});

test('the import-direction check catches a floor that reaches up and a stage reaching into another', () => {
  const file = (p: string) => path.join(SRC, p);
  assert.equal(importViolations(file('base/camera.ts'), "import { x } from '../fit/lm-solver.js';").length, 1);
  assert.equal(importViolations(file('render/shade.ts'), "import type { FitResult } from '../fit/landmark-fit.js';").length, 1);
  assert.equal(importViolations(file('texture/a.ts'), "export { y } from '../photometric/b.js';\nconst m = await import('../fit/c.js');").length, 2);
  assert.equal(importViolations(file('fit/a.ts'), "import fs from 'node:fs';").length, 1);
  assert.deepEqual(importViolations(file('render/shade.ts'), "import { projectPoints } from '../base/camera.js';\nimport './own.js';"), []);
});
