// The `openssl ca` database files on disk: index.txt read and appended to, serial.txt read.
// Their parsers (database.ts) name the file and line of anything they cannot read.
import { readFile } from 'node:fs/promises';
import { CaError } from '../errors.js';
import { type IndexEntry, parseIndex, parseSerialFile } from './database.js';
import { writeFileAtomic } from './files.js';
import { MODE } from './layout.js';

export async function readIndexFile(path: string): Promise<IndexEntry[]> {
  return parseIndex(await readDatabaseFile(path), path);
}

/** serial.txt's next serial; undefined when there is none (openssl ca then starts one itself). */
export async function readNextSerial(path: string): Promise<string | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  return text === undefined || text.trim() === '' ? undefined : parseSerialFile(text, path);
}

/** Appends one line as `openssl ca` does, after checking the whole file still reads. */
export async function appendIndexLine(path: string, line: string): Promise<void> {
  const current = await readDatabaseFile(path);
  parseIndex(current, path);
  const separator = current === '' || current.endsWith('\n') ? '' : '\n';
  await writeFileAtomic(path, `${current}${separator}${line}\n`, MODE.database);
}

async function readDatabaseFile(path: string): Promise<string> {
  return readFile(path, 'utf8').catch((cause) => {
    throw new CaError(`cannot read ${path}`, {
      hint: 'the CA directory needs its `openssl ca` database (an empty file for a new CA); run as its owner',
      cause,
    });
  });
}
