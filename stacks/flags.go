package stacks

// FeatureFlags are the CDK feature flags edgekit is built and tested with:
// every flag aws-cdk-lib 2.270.0 recommends for new apps
// (recommended-feature-flags.json in the aws-cdk-lib package), at its
// recommended value, except where a comment says why not. They are app
// defaults (overridable from cdk.json like any context) so that `cdk synth`
// and the Go tests produce the same templates. Flags that matter to edgekit:
//   - @aws-cdk/aws-cloudfront:defaultSecurityPolicyTLSv1.2_2021: viewers need
//     TLS 1.2 (not in the recommended list any more: it is the default since
//     v2; kept explicit);
//   - @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy: access logging is
//     granted by bucket policy, not ACLs;
//   - @aws-cdk/customresources:installLatestAwsSdkDefault=false: custom
//     resources use the Lambda runtime's SDK, no network install at deploy;
//   - @aws-cdk/core:defaultCrossStackReferences="weak" (recommended): the
//     home-region stacks (Storage, Api) hand values to the Cdn stack with
//     Fn::GetStackOutput instead of exports. Every pattern can be switched
//     off: with strong exports, Storage or Api (deployed before Cdn) could
//     never drop a bucket or function the deployed Cdn stack still imports
//     ("Cannot delete export ... in use"). The cost: between the two stack
//     updates the distribution briefly refers to the removed resource, which
//     is being switched off anyway. Cross-region values go through SSM
//     (constructs/crossregion), never exports. An app deployed with strong
//     references migrates through "both" once (README).
func FeatureFlags() map[string]any {
	return map[string]any{
		"@aws-cdk/aws-cloudfront:defaultSecurityPolicyTLSv1.2_2021":                                  true,
		"@aws-cdk-containers/ecs-service-extensions:enableDefaultLogDriver":                          true,
		"@aws-cdk/aws-apigateway:authorizerChangeDeploymentLogicalId":                                true,
		"@aws-cdk/aws-apigateway:disableCloudWatchRole":                                              true,
		"@aws-cdk/aws-apigateway:requestValidatorUniqueId":                                           true,
		"@aws-cdk/aws-appsync:appSyncGraphQLAPIScopeLambdaPermission":                                true,
		"@aws-cdk/aws-appsync:useArnForSourceApiAssociationIdentifier":                               true,
		"@aws-cdk/aws-autoscaling:generateLaunchTemplateInsteadOfLaunchConfig":                       true,
		"@aws-cdk/aws-batch:defaultToAL2023":                                                         true,
		"@aws-cdk/aws-cloudfront:defaultFunctionRuntimeV2_0":                                         true,
		"@aws-cdk/aws-cloudwatch-actions:changeLambdaPermissionLogicalIdForLambdaAction":             true,
		"@aws-cdk/aws-codedeploy:removeAlarmsFromDeploymentGroup":                                    true,
		"@aws-cdk/aws-codepipeline-actions:useNewDefaultBranchForCodeCommitSource":                   true,
		"@aws-cdk/aws-codepipeline:crossAccountKeyAliasStackSafeResourceName":                        true,
		"@aws-cdk/aws-codepipeline:crossAccountKeysDefaultValueToFalse":                              true,
		"@aws-cdk/aws-codepipeline:defaultPipelineTypeToV2":                                          true,
		"@aws-cdk/aws-dynamodb:resourcePolicyPerReplica":                                             true,
		"@aws-cdk/aws-dynamodb:retainTableReplica":                                                   true,
		"@aws-cdk/aws-ec2:bastionHostUseAmazonLinux2023ByDefault":                                    true,
		"@aws-cdk/aws-ec2:ebsDefaultGp3Volume":                                                       true,
		"@aws-cdk/aws-ec2:ec2SumTImeoutEnabled":                                                      true,
		"@aws-cdk/aws-ec2:launchTemplateDefaultUserData":                                             true,
		"@aws-cdk/aws-ec2:requirePrivateSubnetsForEgressOnlyInternetGateway":                         true,
		"@aws-cdk/aws-ec2:restrictDefaultSecurityGroup":                                              true,
		"@aws-cdk/aws-ec2:uniqueImdsv2TemplateName":                                                  true,
		"@aws-cdk/aws-ecs-patterns:secGroupsDisablesImplicitOpenListener":                            true,
		"@aws-cdk/aws-ecs-patterns:uniqueTargetGroupId":                                              true,
		"@aws-cdk/aws-ecs:arnFormatIncludesClusterName":                                              true,
		"@aws-cdk/aws-ecs:disableExplicitDeploymentControllerForCircuitBreaker":                      true,
		"@aws-cdk/aws-ecs:reduceEc2FargateCloudWatchPermissions":                                     true,
		"@aws-cdk/aws-ecs:removeDefaultDeploymentAlarm":                                              true,
		"@aws-cdk/aws-ecs:removeEmptyLoadBalancers":                                                  true,
		"@aws-cdk/aws-efs:denyAnonymousAccess":                                                       true,
		"@aws-cdk/aws-efs:mountTargetOrderInsensitiveLogicalId":                                      true,
		"@aws-cdk/aws-eks:defaultToAL2023":                                                           true,
		"@aws-cdk/aws-eks:nodegroupNameAttribute":                                                    true,
		"@aws-cdk/aws-eks:useNativeOidcProvider":                                                     true,
		"@aws-cdk/aws-elasticloadbalancingV2:albDualstackWithoutPublicIpv4SecurityGroupRulesDefault": true,
		"@aws-cdk/aws-elasticloadbalancingv2:networkLoadBalancerWithSecurityGroupByDefault":          true,
		"@aws-cdk/aws-elasticloadbalancingv2:usePostQuantumTlsPolicy":                                true,
		"@aws-cdk/aws-events:eventsTargetQueueSameAccount":                                           true,
		"@aws-cdk/aws-events:requireEventBusPolicySid":                                               true,
		"@aws-cdk/aws-iam:importedRoleStackSafeDefaultPolicyName":                                    true,
		"@aws-cdk/aws-iam:minimizePolicies":                                                          true,
		"@aws-cdk/aws-iam:oidcRejectUnauthorizedConnections":                                         true,
		"@aws-cdk/aws-kms:aliasNameRef":                                                              true,
		"@aws-cdk/aws-kms:applyImportedAliasPermissionsToPrincipal":                                  true,
		"@aws-cdk/aws-kms:reduceCrossAccountRegionPolicyScope":                                       true,
		"@aws-cdk/aws-lambda-nodejs:sdkV3ExcludeSmithyPackages":                                      true,
		"@aws-cdk/aws-lambda-nodejs:useLatestRuntimeVersion":                                         true,
		"@aws-cdk/aws-lambda:createNewPoliciesWithAddToRolePolicy":                                   false,
		"@aws-cdk/aws-lambda:recognizeLayerVersion":                                                  true,
		// Not adopted: edgefunction and gofunction create each function's log
		// group themselves (named, with retention); the flag would add a second
		// group of the same name per function, and a LoggingConfig that
		// Lambda@Edge replicas do not document support for.
		"@aws-cdk/aws-lambda:useCdkManagedLogGroup":                                             false,
		"@aws-cdk/aws-opensearchservice:enableOpensearchMultiAzWithStandby":                     true,
		"@aws-cdk/aws-rds:auroraClusterChangeScopeOfInstanceParameterGroupWithEachParameters":   true,
		"@aws-cdk/aws-rds:databaseProxyUniqueResourceName":                                      true,
		"@aws-cdk/aws-rds:preventRenderingDeprecatedCredentials":                                true,
		"@aws-cdk/aws-rds:setCorrectValueForDatabaseInstanceReadReplicaInstanceResourceId":      true,
		"@aws-cdk/aws-redshift:columnId":                                                        true,
		"@aws-cdk/aws-route53-patterns:useDistribution":                                         true,
		"@aws-cdk/aws-route53-patters:useCertificate":                                           true,
		"@aws-cdk/aws-route53-targets:userPoolDomainNameMethodWithoutCustomResource":            true,
		"@aws-cdk/aws-s3:createDefaultLoggingPolicy":                                            true,
		"@aws-cdk/aws-s3:keepNotificationInImportedBucket":                                      false,
		"@aws-cdk/aws-s3:publicAccessBlockedByDefault":                                          true,
		"@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy":                                       true,
		"@aws-cdk/aws-s3:setUniqueReplicationRoleName":                                          true,
		"@aws-cdk/aws-secretsmanager:useAttachedSecretResourcePolicyForSecretTargetAttachments": true,
		"@aws-cdk/aws-signer:signingProfileNamePassedToCfn":                                     true,
		"@aws-cdk/aws-sns-subscriptions:restrictSqsDescryption":                                 true,
		"@aws-cdk/aws-stepfunctions-tasks:enableEmrServicePolicyV2":                             true,
		"@aws-cdk/aws-stepfunctions-tasks:fixRunEcsTaskPolicy":                                  true,
		"@aws-cdk/aws-stepfunctions:useDistributedMapResultWriterV2":                            true,
		"@aws-cdk/core:annotationsInValidationReport":                                           true,
		"@aws-cdk/core:aspectPrioritiesMutating":                                                true,
		"@aws-cdk/core:cfnIncludeRejectComplexResourceUpdateCreatePolicyIntrinsics":             true,
		"@aws-cdk/core:checkSecretUsage":                                                        true,
		"@aws-cdk/core:defaultCrossStackReferences":                                             "weak",
		"@aws-cdk/core:enableAdditionalMetadataCollection":                                      true,
		"@aws-cdk/core:enablePartitionLiterals":                                                 true,
		"@aws-cdk/core:explicitStackTags":                                                       true,
		"@aws-cdk/core:includePrefixInUniqueNameGeneration":                                     true,
		"@aws-cdk/core:target-partitions":                                                       []any{"aws", "aws-cn"},
		// Not adopted: it turns CloudFormation lint warnings into synth errors,
		// and it flags resources the CDK itself generates (the BucketDeployment
		// provider) and the empty Edge stack of an app with every edge pattern
		// switched off. The warnings are still printed.
		"@aws-cdk/core:validateAgainstDefaultRules":                        false,
		"@aws-cdk/core:validateSnapshotRemovalPolicy":                      true,
		"@aws-cdk/custom-resources:logApiResponseDataPropertyTrueDefault":  false,
		"@aws-cdk/customresources:installLatestAwsSdkDefault":              false,
		"@aws-cdk/s3-notifications:addS3TrustKeyPolicyForSnsSubscriptions": true,
	}
}
