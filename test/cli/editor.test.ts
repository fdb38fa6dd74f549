/**
 * Editor support: the real YAML language server (the engine of the VS Code YAML extension and
 * of most editors' YAML support), spoken to over LSP on stdio, validates routes.yaml against
 * schema/routes.schema.json through the file's modeline, offline. A clean file gets no
 * diagnostics; a broken copy gets them on the offending lines.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

interface Diagnostic {
  range: { start: { line: number; character: number } };
  message: string;
  severity?: number;
}

/** A minimal LSP client: Content-Length framing, requests with ids, and notifications. */
class LanguageClient {
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private pending = new Map<number, (result: unknown) => void>();
  private diagnostics = new Map<string, Array<(list: Diagnostic[]) => void>>();
  readonly latest = new Map<string, Diagnostic[]>();

  constructor(
    private readonly server: ChildProcessWithoutNullStreams,
    private readonly settings: unknown,
  ) {
    server.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
  }

  request(method: string, params: unknown): Promise<unknown> {
    const id = this.nextId++;
    this.send({ jsonrpc: '2.0', id, method, params });
    return new Promise((done) => this.pending.set(id, done));
  }

  notify(method: string, params: unknown): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  /** The next diagnostics the server publishes for `uri`. */
  nextDiagnostics(uri: string): Promise<Diagnostic[]> {
    return new Promise((done) => this.diagnostics.set(uri, [...(this.diagnostics.get(uri) ?? []), done]));
  }

  private send(message: unknown): void {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    this.server.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.server.stdin.write(body);
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, end).toString())?.[1]);
      if (this.buffer.length < end + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(end + 4, end + 4 + length).toString('utf8'));
      this.buffer = this.buffer.subarray(end + 4 + length);
      this.handle(message);
    }
  }

  private handle(message: { id?: number; method?: string; params?: unknown; result?: unknown }): void {
    if (message.method === undefined && message.id !== undefined) {
      this.pending.get(message.id)?.(message.result);
      this.pending.delete(message.id);
    } else if (message.method === 'textDocument/publishDiagnostics') {
      const { uri, diagnostics } = message.params as { uri: string; diagnostics: Diagnostic[] };
      this.latest.set(uri, diagnostics);
      const waiters = this.diagnostics.get(uri) ?? [];
      this.diagnostics.delete(uri);
      for (const done of waiters) done(diagnostics);
    } else if (message.id !== undefined) {
      // A request from the server (workspace/configuration, capability registration): answer it.
      const result =
        message.method === 'workspace/configuration'
          ? ((message.params as { items: unknown[] }).items ?? []).map(() => this.settings)
          : null;
      this.send({ jsonrpc: '2.0', id: message.id, result });
    }
  }
}

/** Settings an offline editor would use: no schema store download, validation on. */
const settings = {
  validate: true,
  hover: true,
  completion: true,
  schemaStore: { enable: false },
  schemas: {},
};

let server: ChildProcessWithoutNullStreams;
let client: LanguageClient;
let workspace: string;
let stderr = '';

beforeAll(async () => {
  // A copy of the project's layout: routes.yaml next to schema/, as in the repository.
  workspace = mkdtempSync(join(tmpdir(), 'editor-'));
  mkdirSync(join(workspace, 'schema'));
  copyFileSync(join(root, 'schema/routes.schema.json'), join(workspace, 'schema/routes.schema.json'));

  server = spawn(
    process.execPath,
    [join(root, 'node_modules/yaml-language-server/bin/yaml-language-server'), '--stdio'],
    {
      cwd: workspace,
    },
  );
  server.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  client = new LanguageClient(server, { yaml: settings });
  await client.request('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(workspace).href,
    capabilities: {
      workspace: { configuration: true },
      textDocument: { publishDiagnostics: { relatedInformation: true } },
    },
    workspaceFolders: [{ uri: pathToFileURL(workspace).href, name: 'workspace' }],
  });
  client.notify('initialized', {});
  client.notify('workspace/didChangeConfiguration', { settings: { yaml: settings } });
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    await Promise.race([client.request('shutdown', null), new Promise((r) => setTimeout(r, 5_000))]);
    const exited = new Promise((done) => (server.exitCode === null ? server.once('exit', done) : done(0)));
    client.notify('exit', null);
    // It exits on `exit`; kill it only if it has not within 5 s.
    const timer = setTimeout(() => server.kill(), 5_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(workspace, { recursive: true, force: true });
});

/** Opens a document and returns the first diagnostics published for it. */
async function diagnose(name: string, text: string): Promise<Diagnostic[]> {
  const file = join(workspace, name);
  writeFileSync(file, text);
  const uri = pathToFileURL(file).href;
  const published = client.nextDiagnostics(uri);
  client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
  const timeout = new Promise<never>((_, fail) =>
    setTimeout(
      () => fail(new Error(`no diagnostics for ${name} within 30 s; server stderr:\n${stderr}`)),
      30_000,
    ),
  );
  return Promise.race([published, timeout]);
}

/** The CLI fixture table as a user's routes.yaml: under the modeline the shipped file starts with. */
const valid = `# yaml-language-server: $schema=./schema/routes.schema.json\n${readFileSync(
  join(root, 'test/cli/fixtures/routes.yaml'),
  'utf8',
)}`;

/** 1-based line of the first line of `text` containing `needle`. */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`"${needle}" is not in the text`);
  return index + 1;
}

describe('yaml-language-server with schema/routes.schema.json', () => {
  it('reports nothing for a valid routes.yaml (schema found through its modeline)', async () => {
    const diagnostics = await diagnose('routes.yaml', valid);
    expect(diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('marks an unknown key, a wrong type and a bad enum value on their lines', async () => {
    const text = [
      '# yaml-language-server: $schema=./schema/routes.schema.json',
      'version: 1',
      'routes:',
      '  - id: api',
      '    hosts: [api.example.com]',
      '    origin: https://origin.example.net',
      '    colour: red',
      '    strip_prefix: "yes"',
      '    methods: [GET, FETCH]',
      '',
    ].join('\n');
    const diagnostics = await diagnose('broken.yaml', text);
    const found = diagnostics
      .map((d) => ({ line: d.range.start.line + 1, col: d.range.start.character + 1, message: d.message }))
      .sort((a, b) => a.line - b.line);
    expect(found).toEqual([
      { line: lineOf(text, 'colour'), col: 5, message: 'Property colour is not allowed.' },
      { line: lineOf(text, 'strip_prefix'), col: 19, message: 'Incorrect type. Expected "boolean".' },
      { line: lineOf(text, 'FETCH'), col: 20, message: expect.stringMatching(/^Value is not accepted/) },
    ]);
    // They come from our schema, not from a YAML syntax check.
    for (const d of diagnostics) expect(JSON.stringify(d)).toContain('routes.schema.json');
  });

  it('shows the schema descriptions on hover in routes.yaml', async () => {
    const line = lineOf(valid, '    cache:') - 1;
    const hover = (await client.request('textDocument/hover', {
      textDocument: { uri: pathToFileURL(join(workspace, 'routes.yaml')).href },
      position: { line, character: 6 },
    })) as { contents?: { value?: string } } | null;
    expect(hover?.contents?.value).toContain('Edge caching with the Cache API');
  });
});
