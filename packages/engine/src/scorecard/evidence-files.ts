import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EvidenceFileError, parseSuiteEvidence, type SuiteEvidence } from './evidence.js';

export interface ConnectorEvidence {
  evidence: SuiteEvidence[];
  /** Files that could not be used, with why: shown on the scorecard, never silently dropped. */
  problems: string[];
}

/** More evidence files than this for one connector is a mistake, not a record. */
const MAX_FILES = 100;

/**
 * Reads `<dir>/<connectorId>/*.json`, one file per suite and target as the suites write them. A
 * missing directory is "no evidence"; an unreadable or invalid file is reported in `problems`.
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
  const files = names
    .filter((name) => name.endsWith('.json'))
    .sort()
    .slice(0, MAX_FILES);
  const evidence: SuiteEvidence[] = [];
  const problems: string[] = [];
  for (const name of files) {
    const file = join(folder, name);
    try {
      const parsed = parseSuiteEvidence(JSON.parse(await readFile(file, 'utf8')), file);
      if (parsed.connector !== connectorId)
        throw new EvidenceFileError(
          file,
          `is evidence for "${parsed.connector}", not "${connectorId}"`,
        );
      evidence.push(parsed);
    } catch (error) {
      problems.push(
        error instanceof EvidenceFileError ? error.message : `${file}: ${String(error)}`,
      );
    }
  }
  return { evidence, problems };
}
