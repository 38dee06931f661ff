package stacks

// FeatureFlags are the CDK feature flags edgekit is built and tested with. They
// are app defaults (overridable from cdk.json like any context) so that `cdk
// synth` and the Go tests produce the same templates.
func FeatureFlags() map[string]any {
	return map[string]any{
		// Distributions default to TLSv1.2_2021 as the minimum viewer protocol.
		"@aws-cdk/aws-cloudfront:defaultSecurityPolicyTLSv1.2_2021": true,
		// S3 server access logging is granted with a bucket policy, not ACLs.
		"@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": true,
		// Custom resources use the SDK bundled with the Lambda runtime: no
		// network install at deploy time.
		"@aws-cdk/customresources:installLatestAwsSdkDefault": false,
		"@aws-cdk/aws-iam:minimizePolicies":                   true,
		"@aws-cdk/core:enablePartitionLiterals":               true,
		"@aws-cdk/aws-lambda:recognizeLayerVersion":           true,
		"@aws-cdk/aws-s3:createDefaultLoggingPolicy":          true,
		// Same-region references (Storage bucket to Cdn) never change: keep
		// them as strong exports. Cross-region values go through SSM instead.
		"@aws-cdk/core:defaultCrossStackReferences": "strong",
	}
}
