import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EvidenceFileError, parseSuiteEvidence, type SuiteEvidence } from './evidence.js';

export interface ConnectorEvidence {
  evidence: SuiteEvidence[];
  /** Files that could not be used, with why: shown on the scorecard, never silently dropped. */
  problems: string[];
}

/** More evidence files than this for one connector is a mistake, not a record. */
const MAX_FILES = 100;

/** A file's contents are parsed again only when its size or modification time changes. */
const parsedFiles = new Map<string, { version: string; parsed: SuiteEvidence }>();

/**
 * Reads `<dir>/<connectorId>/*.json`, one file per suite and target as the suites write them. A
 * missing directory is "no evidence"; an unreadable or invalid file is reported in `problems`.
 * Read on every call (new evidence shows without a restart); unchanged files are not parsed again.
 */
export async function readConnectorEvidence(
  dir: string,
  connectorId: string,
): Promise<ConnectorEvidence> {
  const folder = join(dir, connectorId);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return { evidence: [], problems: [] };
    return { evidence: [], problems: [`${folder} cannot be read: ${(error as Error).message}`] };
  }
  const all = names.filter((name) => name.endsWith('.json')).sort();
  const files = all.slice(0, MAX_FILES);
  const evidence: SuiteEvidence[] = [];
  const problems: string[] = [];
  if (all.length > MAX_FILES)
    problems.push(
      `${folder} holds ${all.length} evidence files; only the first ${MAX_FILES} by name were read. Remove old ones: a suite writes one file per target.`,
    );
  for (const name of files) {
    const file = join(folder, name);
    try {
      const info = await stat(file);
      const version = `${info.size}:${info.mtimeMs}`;
      const known = parsedFiles.get(file);
      if (known?.version === version) {
        evidence.push(known.parsed);
        continue;
      }
      const parsed = parseSuiteEvidence(JSON.parse(await readFile(file, 'utf8')), file);
      if (parsed.connector !== connectorId)
        throw new EvidenceFileError(
          file,
          `is evidence for "${parsed.connector}", not "${connectorId}"`,
        );
      parsedFiles.set(file, { version, parsed });
      evidence.push(parsed);
    } catch (error) {
      parsedFiles.delete(file);
      problems.push(
        error instanceof EvidenceFileError ? error.message : `${file}: ${String(error)}`,
      );
    }
  }
  return { evidence, problems };
}
