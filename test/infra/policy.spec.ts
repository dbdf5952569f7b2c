import { beforeAll, describe, expect, it } from 'vitest';
import { EXEMPTIONS, exemptionFor } from './exemptions';
import { RULES } from './rules';
import { infraModel, type Model } from './support/hcl-model';
import { runRules, subjectsOf, type Finding } from './support/policy';

describe('security rules over every root (bootstrap, dev, staging, prod, dr)', () => {
  let model: Model;
  let findings: Finding[];

  beforeAll(async () => {
    model = await infraModel();
    findings = runRules(model, RULES);
  });

  it('are at least 40, uniquely named, and each cites the checkov checks it mirrors', () => {
    expect(RULES.length).toBeGreaterThanOrEqual(40);
    const ids = RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of RULES) {
      expect(rule.id).toMatch(/^NAV_[A-Z0-9]+_\d{3}$/);
      expect(rule.checkov.length, rule.id).toBeGreaterThan(0);
      for (const check of rule.checkov) expect(check, rule.id).toMatch(/^CKV2?_AWS_\d+\b/);
    }
  });

  it('each inspect resources that exist, so none passes for want of a subject', () => {
    const idle = RULES.filter((rule) => rule.subjects.every((subject) => subjectsOf(model, subject).length === 0));
    expect(idle.map((rule) => rule.id)).toEqual([]);
  });

  it('find nothing beyond the documented exemptions', () => {
    const unexpected = findings
      .filter((finding) => !exemptionFor(finding.rule, finding.resource))
      .map((finding) => `${finding.rule} ${finding.address}: ${finding.message}`);
    expect(unexpected).toEqual([]);
  });

  it('have no stale exemption: each one still excuses a real finding', () => {
    const used = new Set(
      findings
        .map((finding) => exemptionFor(finding.rule, finding.resource))
        .filter((exemption) => exemption !== undefined),
    );
    expect(EXEMPTIONS.filter((exemption) => !used.has(exemption)).map((e) => `${e.rule} ${e.module}`)).toEqual([]);
  });
});
