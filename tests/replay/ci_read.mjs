// SPDX-License-Identifier: GPL-2.0
// Reads pagetrack's CI files the way their consumers do, for tests/replay/run.sh:
//   node ci_read.mjs sarif FILE   SARIF as JSON: counts, ruleIds, fingerprints
//   node ci_read.mjs junit FILE   JUnit XML through test-results-parser (the
//                                 verdict a CI dashboard shows) and junit2json
//                                 (every <failure>)
// NPM_TOOLS: the directory scripts/npm-tools.sh prints. One "key value" a line.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [mode, file] = process.argv.slice(2);
const req = createRequire(join(process.env.NPM_TOOLS || '.', 'package.json'));
// "kind:count kind:count " sorted, as run.sh's kinds() prints JSON kinds.
const tally = (names) => {
	const n = {};
	for (const k of names)
		n[k] = (n[k] || 0) + 1;
	return Object.keys(n).sort().map((k) => `${k}:${n[k]} `).join('');
};

if (mode === 'sarif') {
	const log = JSON.parse(readFileSync(file, 'utf8'));
	const run = log.runs[0];
	const rules = run.tool.driver.rules;
	const res = run.results;
	console.log(`version ${log.version}`);
	console.log(`rules ${rules.length}`);
	console.log(`rule_ids ${rules.map((r) => r.id).join(',')}`);
	console.log(`results ${res.length}`);
	console.log(`result_ids ${tally(res.map((r) => r.ruleId))}`);
	console.log(`index_ok ${res.every((r) => rules[r.ruleIndex].id === r.ruleId)}`);
	console.log(`levels ${tally(res.map((r) => r.level))}`);
	console.log(`fingerprints ${res.map((r) => r.partialFingerprints['pagetrack/v1']).join(' ')}`);
	const phys = res.filter((r) => r.locations[0].physicalLocation);
	console.log(`physical ${phys.length}`);
	if (phys.length) {
		const p = phys[0].locations[0].physicalLocation;
		console.log(`physical_uri ${p.artifactLocation.uri}`);
		console.log(`physical_line ${p.region.startLine}`);
	}
	const ll = res.map((r) => r.locations[0].logicalLocations);
	console.log(`functions ${ll.map((l) => l.find((x) => x.kind === 'function').fullyQualifiedName).join(' ')}`);
	console.log(`modules ${ll.map((l) => l.find((x) => x.kind === 'module').name).join(' ')}`);
} else if (mode === 'junit') {
	const { parse } = req('test-results-parser');
	const r = parse({ type: 'junit', files: [file] });
	console.log(`total ${r.total}`);
	console.log(`failed ${r.failed}`);
	console.log(`passed ${r.passed}`);
	console.log(`status ${r.status}`);
	console.log(`cases ${r.suites.flatMap((s) => s.cases.map((c) => `${c.name}=${c.status}`)).join(' ')}`);
	const j2j = await import(pathToFileURL(req.resolve('junit2json')).href);
	const suite = await j2j.parse(readFileSync(file, 'utf8'));
	const failures = (suite.testcase || []).flatMap((c) => c.failure || []);
	console.log(`failures ${failures.length}`);
	console.log(`failure_types ${tally(failures.map((f) => f.type))}`);
	console.log(`first_message ${failures.length ? failures[0].message : ''}`);
	const out = (suite.testcase || []).flatMap((c) => c['system-out'] || []);
	console.log(`system_out ${out.join('').split('\n').filter((l) => /^WARNING /.test(l)).length}`);
} else {
	console.error('usage: ci_read.mjs sarif|junit FILE');
	process.exit(2);
}
