import { orgNameProblem, versionProblem } from '@unjucks/core';
import type { ReviewPolicyResponse, ReviewStateResponse } from '@unjucks/core/api-schemas';
import { type ReviewPolicyTarget, registryApi } from './api.js';
import type { Settings } from './config.js';
import { CliError } from './errors.js';
import { parsePackageArg } from './spec.js';
import type { Output } from './accounts.js';

function exactVersion(command: string, arg: string | undefined, extra = ''): { name: string; version: string } {
  if (!arg) throw new CliError(`usage: unjucks ${command} <name>@<version>${extra}`);
  const { name, spec } = parsePackageArg(arg);
  if (!spec || versionProblem(spec)) throw new CliError(`${command} takes an exact version (such as ${name}@1.2.3), not ${JSON.stringify(arg)}`);
  return { name, version: spec };
}

const approvalsOf = (s: ReviewStateResponse) => s.approvals.filter((a) => a.decision === 'approve');

function describeState(s: ReviewStateResponse): string {
  const lines = [`${s.name}@${s.version}: ${s.status}`];
  if (s.status === 'staged') lines[0] += ` (${approvalsOf(s).length} of ${Math.max(1, s.requiredApprovals)} approval(s))`;
  if (s.status === 'live' && s['dist-tags'].latest === s.version) lines[0] += '; latest now points at it';
  lines.push(`  published by ${s.publishedBy ?? '(deleted user)'} at ${s.publishedAt}; quality ${s.quality ?? '-'}, ${s.warnings} warning(s)`);
  if (s.capabilities.length) lines.push(`  capabilities: ${s.capabilities.join(', ')}`);
  for (const a of s.approvals)
    lines.push(`  ${a.decision === 'approve' ? 'approved' : 'rejected'} by ${a.approver} at ${a.at}${a.reason ? `: ${a.reason}` : ''}`);
  return lines.join('\n');
}

/** `unjucks approve name@version`: one maintainer's approval; the version goes live once enough approved. */
export async function runApprove(s: Settings, arg: string | undefined): Promise<Output> {
  const { name, version } = exactVersion('approve', arg);
  const state = await registryApi(s).approve(name, version);
  return { json: state, text: describeState(state) };
}

/** `unjucks reject name@version --reason "..."`: the version stays out for good. */
export async function runReject(s: Settings, arg: string | undefined, reason: string | undefined): Promise<Output> {
  const { name, version } = exactVersion('reject', arg, ' --reason "why"');
  if (!reason?.trim()) throw new CliError(`rejecting ${name}@${version} needs --reason "why": the publisher and the audit log read it`);
  const state = await registryApi(s).reject(name, version, reason);
  return { json: state, text: describeState(state) };
}

/** `--require N`: a whole number of approvals; the server holds the upper bound. */
function requiredApprovals(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n))
    throw new CliError(`--require takes a whole number of approvals (0 turns reviews off), not ${JSON.stringify(raw)}`);
  return n;
}

const describePolicy = (what: string, p: ReviewPolicyResponse) =>
  `${what}: new versions need ${p.effective} approval(s)${p.effective ? '' : ' (reviews are off)'}` +
  (p.org != null ? ` (its own setting ${p.requiredApprovals}, its org's ${p.org})` : '');

/**
 * `unjucks reviews name`: the package's staged and rejected versions (maintainers see them; others see none).
 * `unjucks reviews @org`: the org's floor. `--require N` sets the package's or the org's rule first (owners).
 */
export async function runReviews(s: Settings, arg: string | undefined, require?: string): Promise<Output> {
  if (!arg) throw new CliError('usage: unjucks reviews <name | @org> [--require N]');
  const api = registryApi(s);
  if (/^@[^/@]+$/.test(arg)) {
    const org = arg.slice(1);
    const problem = orgNameProblem(org);
    if (problem) throw new CliError(problem);
    const target: ReviewPolicyTarget = { org };
    const policy = require === undefined ? await api.reviewPolicy(target) : await api.setReviewPolicy(target, requiredApprovals(require));
    return { json: policy, text: `${describePolicy(`org ${org}`, policy)}; a package in @${org} may ask for more, never fewer` };
  }
  const { name } = parsePackageArg(arg);
  const policy = require === undefined ? undefined : await api.setReviewPolicy({ package: name }, requiredApprovals(require));
  const list = await api.reviews(name);
  const head = policy
    ? describePolicy(name, policy)
    : `${name}: new versions need ${list.requiredApprovals} approval(s)${list.requiredApprovals ? '' : ' (reviews are off)'}`;
  const body = list.versions.length ? list.versions.map(describeState).join('\n') : 'nothing waiting for review';
  return { json: policy ? { ...list, policy } : list, text: `${head}\n${body}` };
}
