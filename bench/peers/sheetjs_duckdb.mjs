// Peer: SheetJS (npm xlsx) reading every form listed in LIST (one path a
// line) on WORKERS worker_threads, the main thread appending every row of
// every sheet into a DuckDB file through @duckdb/node-api's appender, in one
// transaction. Prints one JSON line: forms, rows, seconds (from starting the
// workers to the commit; Node start-up and module loading excluded).
//
//   node sheetjs_duckdb.mjs LIST DB [WORKERS]
//
// The reader is tuned as SheetJS's docs advise for bulk reading: dense
// sheets, no formulas, HTML, formatted text or styles, raw values.
import { readFileSync } from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';

const COLS = 24; // the forms have at most 15 columns; wider cells are dropped

if (isMainThread) {
  const [list, db, workersArg] = process.argv.slice(2);
  const workers = Number(workersArg || 2);
  const paths = readFileSync(list, 'utf8').split('\n').filter((l) => l.length > 0);
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(db);
  const conn = await instance.connect();
  const cols = Array.from({ length: COLS }, (_, i) => `c${i} VARCHAR`).join(', ');
  await conn.run(`CREATE TABLE cells (file VARCHAR, sheet VARCHAR, r INTEGER, ${cols})`);
  const began = performance.now();
  await conn.run('BEGIN TRANSACTION');
  const appender = await conn.createAppender('cells');
  let rows = 0;
  let forms = 0;
  await new Promise((resolve, reject) => {
    let running = workers;
    for (let w = 0; w < workers; w++) {
      const mine = paths.filter((_, i) => i % workers === w);
      const worker = new Worker(new URL(import.meta.url), { workerData: { paths: mine } });
      worker.on('message', (m) => {
        // m: { file, sheets: [[name, [[cell, ...], ...]], ...] }
        for (const [name, data] of m.sheets) {
          for (let r = 0; r < data.length; r++) {
            const row = data[r];
            appender.appendVarchar(m.file);
            appender.appendVarchar(name);
            appender.appendInteger(r);
            for (let c = 0; c < COLS; c++) {
              const v = c < row.length ? row[c] : undefined;
              if (v === undefined || v === null) appender.appendNull();
              else appender.appendVarchar(String(v));
            }
            appender.endRow();
            rows++;
          }
        }
        forms++;
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (code !== 0) reject(new Error(`worker exited with ${code}`));
        else if (--running === 0) resolve();
      });
    }
  });
  appender.closeSync();
  await conn.run('COMMIT');
  const seconds = (performance.now() - began) / 1000;
  const check = await conn.runAndReadAll('SELECT count(*)::INTEGER FROM cells');
  const stored = check.getRows()[0][0];
  if (stored !== rows) throw new Error(`stored ${stored} rows, appended ${rows}`);
  const require = createRequire(import.meta.url);
  console.log(JSON.stringify({
    peer: 'sheetjs+duckdb', workers, forms, rows, seconds, forms_per_s: forms / seconds,
    xlsx: require('xlsx/package.json').version,
  }));
  conn.closeSync();
} else {
  const require = createRequire(import.meta.url);
  const XLSX = require('xlsx');
  for (const file of workerData.paths) {
    const wb = XLSX.read(readFileSync(file), {
      type: 'buffer', dense: true, cellFormula: false, cellHTML: false, cellText: false,
      cellStyles: false, cellDates: false, sheetStubs: false,
    });
    const sheets = wb.SheetNames.map((name) => [
      name, XLSX.utils.sheet_to_json(wb.Sheets[name], { header: 1, raw: true, defval: null, blankrows: false }),
    ]);
    parentPort.postMessage({ file, sheets });
  }
}
