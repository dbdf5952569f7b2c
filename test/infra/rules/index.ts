import type { Rule } from '../support/policy';
import { albRules, ecsRules } from './compute.rules';
import { elasticacheRules, kmsRules } from './data-stores.rules';
import { iamRules } from './iam.rules';
import { networkRules } from './network.rules';
import { backupRules, cloudwatchRules, ecrRules, lambdaRules } from './operations.rules';
import { rdsRules } from './rds.rules';
import { s3Rules } from './s3.rules';

export const RULES: Rule[] = [
  ...s3Rules,
  ...rdsRules,
  ...elasticacheRules,
  ...kmsRules,
  ...networkRules,
  ...ecsRules,
  ...albRules,
  ...iamRules,
  ...cloudwatchRules,
  ...ecrRules,
  ...backupRules,
  ...lambdaRules,
];
