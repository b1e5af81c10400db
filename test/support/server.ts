import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

/**
 * The real server as plain JavaScript, for tests that start it dozens of times as a child
 * process. `node --import tsx` adds a loader thread and transforms every module on each start;
 * a copy of src/ transformed once per test file (same esbuild transform tsx uses, one file per
 * module, no bundling) starts with plain `node` and runs the same code.
 */

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CompiledServer {
  /** Root of the copy: src/ as .js, links to data/, flows/ and node_modules/. Use it as the child's cwd. */
  root: string;
  /** Absolute path of the compiled src/main.js. */
  main: string;
  /** The compiled file URL of a source module, e.g. `moduleUrl('src/store/lock.ts')`. */
  moduleUrl(sourcePath: string): string;
  dispose(): Promise<void>;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)])));
  return nested.flat();
}

/**
 * Transforms src/ into a temporary folder laid out like the repository, so every
 * `new URL('../../data/…', import.meta.url)` in the code finds the same files.
 */
export async function compileServer(): Promise<CompiledServer> {
  const root = await mkdtemp(join(tmpdir(), 'dvc-server-js-'));
  const files = await filesUnder(join(ROOT, 'src'));
  await Promise.all(
    files.map(async (file) => {
      const to = join(root, relative(ROOT, file));
      await mkdir(dirname(to), { recursive: true });
      if (!file.endsWith('.ts')) return cp(file, to);
      const { code } = await transform(await readFile(file, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcefile: file });
      await writeFile(to.replace(/\.ts$/, '.js'), code);
    }),
  );
  for (const d of ['data', 'flows', 'node_modules']) await symlink(join(ROOT, d), join(root, d));
  await writeFile(join(root, 'package.json'), JSON.stringify({ type: 'module' }));
  return {
    root,
    main: join(root, 'src/main.js'),
    moduleUrl: (sourcePath) => new URL(sourcePath.replace(/\.ts$/, '.js'), `file://${root}/`).href,
    dispose: () => rm(root, { recursive: true, force: true }),
  };
}
