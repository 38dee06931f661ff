// Package waf is the app's shared AWS WAF web ACL for the CloudFront
// distribution (seed 000: "you can whitelist and blacklist client IP
// addresses, and you're protected against other malicious application
// traffic as well").
//
// CLOUDFRONT-scope web ACLs exist only in us-east-1, and CDK has only the L1
// CfnWebACL for them. NewWebAcl creates the ACL in the Edge stack and
// publishes its ARN to SSM (constructs/crossregion); ImportArn reads it in
// the distribution's stack with a refresh token derived from the ACL's whole
// definition, so the Cdn stack re-reads whenever the ACL changes. Pattern
// wires both into the app from the edgekit:waf:* config and attaches the ACL
// with pattern.Cdn.AttachWebAcl.
//
// Rules, in priority order (see NewWebAcl): the block list, the allow list,
// the AWS managed IP reputation list, a global per-IP rate limit, stricter
// per-IP rate limits on single paths (by default /private/, where Basic-auth
// password guessing happens, and /ingest), the AWS managed core rule set and
// the known-bad-inputs group. Every rule has CloudWatch metrics and sampled
// requests. Rate-limited clients get 429. About 1,000 WCU of the 1,500 a web
// ACL includes.
//
// # Cost
//
// A web ACL has a fixed monthly price, whether or not traffic flows (AWS WAF
// pricing, us-east-1 list prices): $5.00 per web ACL plus $1.00 per rule,
// where each managed rule group counts as one rule. With the defaults that
// is 3 managed groups + 1 global rate rule + 2 path rate rules = 6 rules:
// $11.00 per month, $12.00 with an allow or a block list, $13.00 with both.
// The three AWS managed groups used here carry no subscription fee (unlike
// Bot Control, account takeover or fraud control groups). Requests cost
// $0.60 per million on top. Switch the ACL off with
// `-c edgekit:waf:enabled=false` (cdk-nag's CFR2 is then documented on the
// distribution by the stacks package).
//
// # Shield Advanced
//
// Out of scope: it is an account-wide subscription ($3,000 per month, one-year
// commitment). To add it, subscribe the account (console or
// `aws shield create-subscription`), then protect the distribution from the
// Cdn stack with awsshield.NewCfnProtection(stack, "Shield",
// &awsshield.CfnProtectionProps{Name: ..., ResourceArn: <distribution ARN>,
// ApplicationLayerAutomaticResponseConfiguration: {Action: {Block: {}}, Status:
// "ENABLED"}}); automatic application-layer mitigation then adds its own rule
// group to this web ACL, which must therefore stay attached.
package waf
