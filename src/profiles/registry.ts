/**
 * Loads the built-in profiles and the installer's `devices/profiles/*.yaml`, validates every file
 * against the strict schema and reports every problem at once (file, line, key path, found,
 * expected). A broken file is reported and skipped; the good ones load. Also runs every example of
 * every profile (`safegrid check` and the catalogue test call runProfileExamples).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { yamlSyntaxFinding } from '../core/yaml-syntax.js';
import type { Problem } from '../core/problems.js';
import { BLOCK_NAMES, BLOCKS, type Format } from './blocks.js';
import { CODE_DECODERS, isCodeDecoder } from './code/index.js';
import { buildProfile, DECODER_CHANNEL, type ModelDefinition } from './engine.js';
import { closest, formatPath, issuesToDrafts, lineOf, toProblem, type Draft, type PathSeg } from './report.js';
import { captureNames, compileTemplate } from './topic-pattern.js';
import { modelSchema, profileFileSchema, type ExampleFile, type ModelFile } from './schema.js';
import type { DecodedSignal, DecodeInput, Profile, ProfileExample, ProfileRegistry } from './types.js';
import { isPlainObject } from './values.js';

export interface LoadResult {
  registry: ProfileRegistry;
  problems: Problem[];
}

class MapRegistry implements ProfileRegistry {
  constructor(
    private readonly byId: Map<string, Profile>,
    private readonly skippedModels: Map<string, { file: string; line: number | null }> = new Map(),
    private readonly vendorFiles: Map<string, string> = new Map(),
  ) {}
  skipped(id: string): { file: string; line: number | null } | undefined {
    return this.skippedModels.get(id);
  }
  vendorFile(vendor: string): string | undefined {
    return this.vendorFiles.get(vendor);
  }
  get(id: string): Profile | undefined {
    return this.byId.get(id);
  }
  all(): Profile[] {
    return [...this.byId.values()];
  }
}

const BUILTIN_DIR = new URL('./builtin/', import.meta.url);

/** Built-in profiles only (native, zigbee2mqtt, frigate, contact-id, homeassistant). */
export function builtinProfiles(): ProfileRegistry {
  return loadAll(null, process.cwd()).registry;
}

/**
 * Built-ins plus every `*.yaml` in `devicesProfilesDir`. File names in problems are relative to
 * `relativeTo` (the config root). A missing directory is not a problem: installer profiles are optional.
 */
export function loadProfiles(devicesProfilesDir: string, relativeTo: string): LoadResult {
  return loadAll(devicesProfilesDir, relativeTo);
}

function loadAll(dir: string | null, relativeTo: string): LoadResult {
  const problems: Problem[] = [];
  const byId = new Map<string, Profile>();
  const firstSeen = new Map<string, string>();
  const skipped = new Map<string, { file: string; line: number | null }>();
  const vendorFiles = new Map<string, string>();

  const add = (models: ModelDefinition[], lines: Map<string, { file: string; line: number | null; path: string }>) => {
    for (const def of models) {
      const at = lines.get(def.id);
      const seen = firstSeen.get(def.id);
      if (seen !== undefined) {
        problems.push({
          code: 'SG_CONFIG_DUPLICATE_ID',
          severity: 'error',
          file: at?.file ?? def.source,
          line: at?.line ?? null,
          path: at?.path ?? 'id',
          message: `"${def.id}" is already defined in ${seen}; expected a unique model id`,
          hint: 'this model is skipped; rename it or remove one of the two',
        });
        continue;
      }
      firstSeen.set(def.id, at ? `${at.file}${at.line !== null ? `:${at.line}` : ''}` : def.source);
      byId.set(def.id, buildProfile(def));
    }
  };

  const builtinDir = fileURLToPath(BUILTIN_DIR);
  for (const name of yamlFiles(builtinDir)) {
    const file = `src/profiles/builtin/${name}`;
    const res = parseProfileFile(readFileSync(path.join(builtinDir, name), 'utf8'), file, { builtin: true });
    problems.push(...res.problems);
    add(res.models, res.idLines);
  }
  if (dir !== null) {
    for (const name of yamlFiles(dir)) {
      const abs = path.join(dir, name);
      const file = path.relative(relativeTo, abs).split(path.sep).join('/');
      let text: string;
      try {
        text = readFileSync(abs, 'utf8');
      } catch (err) {
        problems.push({
          code: 'SG_CONFIG_PARSE',
          severity: 'error',
          file,
          line: null,
          path: '',
          message: `cannot read the file: ${err instanceof Error ? err.message : String(err)}`,
        });
        continue;
      }
      const res = parseProfileFile(text, file, { builtin: false });
      problems.push(...res.problems);
      add(res.models, res.idLines);
      for (const [id, at] of res.skipped) skipped.set(id, at);
      vendorFiles.set(name.replace(/\.ya?ml$/, ''), file);
    }
  }
  return { registry: new MapRegistry(byId, skipped, vendorFiles), problems };
}

function yamlFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'))
      .sort();
  } catch {
    // No such directory: no installer profiles, which is a valid setup.
    return [];
  }
}

export interface ParsedProfileFile {
  models: ModelDefinition[];
  problems: Problem[];
  /** Where each model id is written, for duplicate-id reports. */
  idLines: Map<string, { file: string; line: number | null; path: string }>;
  /** Models reported and skipped, by id: a device naming one is told where, not to "add" a file. */
  skipped: Map<string, { file: string; line: number | null }>;
}

/**
 * Parses and validates one profile file. All problems are reported; a YAML or file-level problem
 * skips the file, a model's problem skips that model only.
 */
export function parseProfileFile(text: string, file: string, opts: { builtin: boolean }): ParsedProfileFile {
  const lc = new LineCounter();
  // prettyErrors gives each error its line and column (linePos), as site files have them.
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: true });
  const empty = (problems: Problem[]): ParsedProfileFile => ({ models: [], problems, idLines: new Map(), skipped: new Map() });
  const syntax = yamlSyntaxFinding(text, doc.errors);
  if (syntax) {
    // One mistake, one problem (core/yaml-syntax.ts): the parser's later errors echo the first.
    return empty([
      {
        code: 'SG_CONFIG_PARSE',
        severity: 'error',
        file,
        line: syntax.line,
        path: '',
        message: syntax.message,
        ...(syntax.hint ? { hint: syntax.hint } : {}),
        text: syntax.text,
      },
    ]);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return empty([{ code: 'SG_CONFIG_PARSE', severity: 'error', file, line: null, path: '', message: `not valid YAML: ${String(err)}` }]);
  }
  const fileDrafts: Draft[] = [];
  const top = profileFileSchema.safeParse(data);
  if (!top.success) fileDrafts.push(...issuesToDrafts(top.error.issues, data, []));
  // A file whose own keys are wrong (no vendor, models not a list) is skipped whole: nothing in it
  // can be trusted to belong to a vendor.
  if (fileDrafts.length > 0) return empty(fileDrafts.map((d) => toProblem(d, file, doc, lc)));
  const vendor = top.success ? top.data.vendor : '';
  const rawModels = top.success ? top.data.models : [];
  const models: ModelDefinition[] = [];
  const idLines = new Map<string, { file: string; line: number | null; path: string }>();
  const skipped = new Map<string, { file: string; line: number | null }>();
  const problems: Problem[] = [];

  // One bad model is reported and skipped; the vendor's other models load (issue 15).
  rawModels.forEach((raw, i) => {
    const base: PathSeg[] = ['models', i];
    const drafts: Draft[] = [];
    const report = () => {
      problems.push(...drafts.map((d) => toProblem(d, file, doc, lc)));
      const id = isPlainObject(raw) && typeof raw.id === 'string' ? raw.id : null;
      if (id !== null) skipped.set(id, { file, line: lineOf(doc, lc, [...base, 'id']) });
    };
    const parsed = modelSchema.safeParse(raw);
    if (!parsed.success) {
      drafts.push(...issuesToDrafts(parsed.error.issues, raw, base));
      report();
      return;
    }
    const m = parsed.data;
    const before = drafts.length;
    if (!opts.builtin && !m.id.startsWith(`${vendor}/`)) {
      drafts.push({
        code: 'SG_CONFIG_INVALID_VALUE',
        path: [...base, 'id'],
        message: `got "${m.id}"; expected "${vendor}/<model>" (ids start with the file's vendor)`,
      });
    }
    const def = checkModel(m, { base, vendor, file, drafts, doc, lc });
    if (drafts.length === before && def) {
      models.push(def);
      const p = [...base, 'id'];
      idLines.set(def.id, { file, line: lineOf(doc, lc, p), path: formatPath(p) });
    } else {
      report();
    }
  });

  return { models, problems, idLines, skipped };
}

/** Where a model sits in its file: problems are pushed to `drafts` with a path under `base`, lines come from `doc`/`lc`. */
interface ModelSource {
  base: PathSeg[];
  vendor: string;
  file: string;
  drafts: Draft[];
  doc: Document;
  lc: LineCounter;
}

function checkModel(m: ModelFile, { base, vendor, file, drafts, doc, lc }: ModelSource): ModelDefinition | null {
  const fmt: Format = m.format ?? 'json';
  for (const [ch, template] of Object.entries(m.topics ?? {})) {
    // A captured level other than {zone} has no meaning yet: say so rather than drop it silently.
    const unknown = captureNames(template).filter((n) => n !== 'zone');
    if (unknown.length > 0) {
      drafts.push({
        code: 'SG_CONFIG_INVALID_VALUE',
        path: [...base, 'topics', ch],
        message: `got "${unknown[0]}"; expected {topic} or {zone} as the only placeholders`,
      });
    }
  }
  const topics = m.topics ?? { state: '{topic}' };
  const channels = Object.keys(topics);
  const used = new Set<string>();
  const blocks: ModelDefinition['blocks'] = [];

  (m.extends ?? []).forEach((item, j) => {
    const path: PathSeg[] = [...base, 'extends', j];
    let name: string;
    let options: unknown;
    if (typeof item === 'string') {
      name = item;
      options = {};
      if (!Object.hasOwn(BLOCKS, name)) {
        const near = closest(name, BLOCK_NAMES);
        drafts.push({
          code: 'SG_CONFIG_INVALID_VALUE',
          path,
          message: `got "${name}"; expected a block, one of ${BLOCK_NAMES.join(', ')}`,
          ...(near ? { hint: `did you mean "${near}"?` } : {}),
        });
        return;
      }
    } else if (isPlainObject(item) && Object.keys(item).length === 1) {
      name = Object.keys(item)[0]!;
      options = item[name] ?? {};
      if (!Object.hasOwn(BLOCKS, name)) {
        const near = closest(name, BLOCK_NAMES);
        drafts.push({
          code: 'SG_CONFIG_UNKNOWN_KEY',
          path: [...path, name],
          message: `unknown block; expected one of ${BLOCK_NAMES.join(', ')}`,
          ...(near ? { hint: `did you mean "${near}"?` } : {}),
        });
        return;
      }
    } else {
      drafts.push({
        code: 'SG_CONFIG_INVALID_VALUE',
        path,
        message:
          `got ${isPlainObject(item) ? `a mapping with ${Object.keys(item).length} keys` : (JSON.stringify(item) ?? 'nothing')}; expected a block name or ` +
          `a mapping { <block>: { options } }`,
      });
      return;
    }
    const block = BLOCKS[name]!;
    const optPath = typeof item === 'string' ? path : [...path, name];
    const res = block.schema.safeParse(options);
    if (!res.success) {
      drafts.push(...issuesToDrafts(res.error.issues, options, optPath));
      return;
    }
    const runtime = block.build(res.data, fmt);
    if (!channels.includes(runtime.channel)) {
      const hasChannelOpt = isPlainObject(options) && Object.hasOwn(options, 'channel');
      drafts.push({
        code: 'SG_CONFIG_UNKNOWN_REFERENCE',
        path: hasChannelOpt ? [...optPath, 'channel'] : optPath,
        message: `channel "${runtime.channel}" is not among this model's topics (${channels.join(', ')}); expected one of them`,
        hint: `add it under topics, e.g. ${runtime.channel}: "{topic}/${runtime.channel}"`,
      });
      return;
    }
    used.add(runtime.channel);
    blocks.push({ name, options: isPlainObject(options) ? options : {} });
  });

  if (m.decoder !== undefined) {
    if (!isCodeDecoder(m.decoder)) {
      drafts.push({
        code: 'SG_CONFIG_UNKNOWN_REFERENCE',
        path: [...base, 'decoder'],
        message: `got "${m.decoder}"; expected one of ${Object.keys(CODE_DECODERS).join(', ')}`,
      });
    } else {
      used.add(DECODER_CHANNEL);
    }
  }
  if ((m.extends ?? []).length === 0 && m.decoder === undefined) {
    drafts.push({ code: 'SG_CONFIG_MISSING_KEY', path: [...base, 'extends'], message: 'missing; expected a list of blocks (or a decoder)' });
  }
  for (const ch of channels) {
    if (!used.has(ch) && drafts.length === 0) {
      drafts.push({
        code: 'SG_CONFIG_INVALID_VALUE',
        path: [...base, 'topics', ch],
        message: `no block decodes channel "${ch}"; expected a block with channel: ${ch}, or remove the topic`,
      });
    }
  }
  const examples: ProfileExample[] = m.examples.map((e, k) => {
    const p: PathSeg[] = [...base, 'examples', k];
    if (e.channel !== undefined && !channels.includes(e.channel)) {
      drafts.push({
        code: 'SG_CONFIG_UNKNOWN_REFERENCE',
        path: [...p, 'channel'],
        message: `got "${e.channel}"; expected one of ${channels.join(', ')}`,
      });
    }
    if (e.topic !== undefined && e.channel === undefined) {
      // An example topic that no channel's template reaches would be decoded as `state` with no
      // captured zone: a silent mistake in the very line meant to prove the template.
      const t = e.topic.split('{topic}').join(EXAMPLE_DEVICE_TOPIC);
      const reached = Object.values(topics).some((template) => {
        const pattern = compileTemplate(template, EXAMPLE_DEVICE_TOPIC);
        return pattern.captures ? pattern.match(t) !== null : pattern.filter === t;
      });
      if (!reached) {
        drafts.push({
          code: 'SG_CONFIG_UNKNOWN_REFERENCE',
          path: [...p, 'topic'],
          message: `got "${e.topic}"; expected a topic of this model (${Object.values(topics).join(', ')}), {topic} standing for the device's`,
        });
      }
    }
    return toExample(e, { file, path: formatPath(p), line: lineOf(doc, lc, p) });
  });
  return {
    id: m.id,
    vendor,
    description: m.description,
    format: fmt,
    topics,
    ignore: m.ignore ?? [],
    blocks,
    decoder: m.decoder ?? null,
    examples,
    source: file.startsWith('src/profiles/builtin/') ? 'builtin' : file,
  };
}

function toExample(e: ExampleFile, where: NonNullable<ProfileExample['where']>): ProfileExample {
  const ex: ProfileExample = { payload: e.payload, where };
  if (e.description !== undefined) ex.description = e.description;
  if (e.channel !== undefined) ex.channel = e.channel;
  if (e.topic !== undefined) ex.topic = e.topic;
  if (e.state !== undefined) ex.state = { ...e.state };
  if (e.device !== undefined) {
    ex.device = {};
    if (e.device.zone !== undefined) ex.device.zone = e.device.zone;
    if (e.device.account !== undefined) ex.device.account = e.device.account;
    if (e.device.zones !== undefined) ex.device.zones = Object.entries(e.device.zones).map(([n, name]) => ({ number: Number(n), name, type: 'entry' }));
  }
  if (e.expect !== undefined) {
    ex.expect = e.expect.map((x) => {
      const o: NonNullable<ProfileExample['expect']>[number] = { kind: x.kind };
      if (x.zone !== undefined) o.zone = x.zone;
      if (x.camera !== undefined) o.camera = x.camera;
      return o;
    });
  }
  if (e.expect_error !== undefined) ex.expectError = e.expect_error;
  if (e.expect_availability !== undefined) ex.expectAvailability = e.expect_availability;
  return ex;
}

// -------------------------------------------------------------------------------------------------
// Examples

/** The device topic examples are decoded as; an example's `topic` may say `{topic}` for it. */
export const EXAMPLE_DEVICE_TOPIC = 'example/device';

/** The DecodeInput an example stands for (shared by runProfileExamples and the catalogue test). */
export function exampleInput(profile: Profile, example: ProfileExample): DecodeInput {
  const topics = profile.topics(EXAMPLE_DEVICE_TOPIC);
  // An example's topic may use {topic} for the device's: "{topic}/Get/Zone3".
  const exampleTopic = example.topic?.split('{topic}').join(EXAMPLE_DEVICE_TOPIC);
  const byTopic = exampleTopic === undefined ? undefined : topics.find((t) => (t.pattern ? t.pattern.match(exampleTopic) !== null : t.topic === exampleTopic));
  const channel = example.channel ?? byTopic?.channel ?? (topics.some((t) => t.channel === 'state') ? 'state' : (topics[0]?.channel ?? 'state'));
  const bound = topics.find((t) => t.channel === channel);
  const topic = exampleTopic ?? bound?.topic ?? EXAMPLE_DEVICE_TOPIC;
  const captures = exampleTopic !== undefined && bound?.pattern ? bound.pattern.match(exampleTopic) : null;
  const payload = typeof example.payload === 'string' ? example.payload : JSON.stringify(example.payload);
  return {
    topic,
    channel,
    ...(captures ? { captures } : {}),
    payload: Buffer.from(payload, 'utf8'),
    state: { ...(example.state ?? {}) },
    device: {
      id: 'example',
      zone: example.device?.zone ?? null,
      zones: example.device?.zones ?? [],
      account: example.device?.account ?? null,
    },
  };
}

/** Runs one example; null when it passes, else what differed. */
export function checkExample(profile: Profile, example: ProfileExample): string | null {
  const out = profile.decode(exampleInput(profile, example));
  const show = (s: DecodedSignal[]) => `[${s.map((x) => fmtSignal(x.kind, x.zone, x.camera)).join(', ')}]`;
  if (example.expectError) {
    if (out.ok) return `expected ${example.expectError}; got ${show(out.signals)}`;
    if (out.code !== example.expectError) return `expected ${example.expectError}; got ${out.code} (${out.reason})`;
    return null;
  }
  if (!out.ok) return `expected ${showExpected(example)}; got ${out.code} (${out.reason})`;
  const want = example.expect ?? [];
  const same =
    want.length === out.signals.length &&
    want.every((w, i) => {
      const got = out.signals[i]!;
      return got.kind === w.kind && (w.zone === undefined || got.zone === w.zone) && (w.camera === undefined || got.camera === w.camera);
    });
  if (!same) return `expected ${showExpected(example)}; got ${show(out.signals)}`;
  if (example.expectAvailability && out.availability !== example.expectAvailability) {
    return `expected availability ${example.expectAvailability}; got ${out.availability ?? 'none'}`;
  }
  return null;
}

function fmtSignal(kind: string, zone: number | null | undefined, camera: string | undefined): string {
  return `${kind}${zone !== undefined && zone !== null ? ` zone ${zone}` : ''}${camera ? ` camera ${camera}` : ''}`;
}

function showExpected(e: ProfileExample): string {
  return `[${(e.expect ?? []).map((x) => fmtSignal(x.kind, x.zone, x.camera)).join(', ')}]`;
}

/** Every example of every profile; one SG_PROFILE_EXAMPLE_FAILED problem per failing example. */
export function runProfileExamples(registry: ProfileRegistry): Problem[] {
  const problems: Problem[] = [];
  for (const profile of registry.all()) {
    profile.examples.forEach((example, i) => {
      const diff = checkExample(profile, example);
      if (diff === null) return;
      const name = example.description ? ` "${example.description}"` : '';
      problems.push({
        code: 'SG_PROFILE_EXAMPLE_FAILED',
        severity: 'error',
        file: example.where?.file ?? profile.source,
        line: example.where?.line ?? null,
        path: example.where?.path ?? `${profile.id}.examples[${i}]`,
        message: `${profile.id} example${name}: ${diff}`,
      });
    });
  }
  return problems;
}
