// Package edgefunction is a Lambda@Edge function construct that checks the
// Lambda@Edge limits at synth, which the CDK does not (aws/aws-cdk#9833, #22019).
//
// It bundles dependency-free JavaScript from an fs.FS with the esbuild Go API
// (package bundle), injects a typed synth-time configuration as the module
// "edgekit:config" (Lambda@Edge allows no environment variables), publishes a
// numbered version that is retained on delete and on replacement (edge replicas
// block deletion for hours after a distribution lets go of a version), and
// writes the version ARN to an SSM parameter in us-east-1 so that stacks in other
// regions read it through package crossregion.
//
// Typical use, in a stack pinned to us-east-1:
//
//	fn := edgefunction.NewEdgeFunction(edgeStack, "Redirect", &edgefunction.EdgeFunctionProps{
//		Sources:    edge.Sources,
//		Entry:      "redirect/index.js",
//		Config:     myConfig,
//		EventTypes: []awscloudfront.LambdaEdgeEventType{awscloudfront.LambdaEdgeEventType_VIEWER_REQUEST},
//	})
//
// and in the distribution's stack, in any region:
//
//	v := edgefunction.ImportVersion(cdnStack, "RedirectVersion", fn.Reference)
package edgefunction
