// Package wildcard matches the two-character wildcard patterns AWS uses in
// CloudFront path patterns and IAM resource ARNs: '*' stands for any run of
// characters ('/' and ':' included), '?' for exactly one.
package wildcard

// Match reports whether pattern matches s, byte by byte, case-sensitively.
func Match(pattern, s string) bool {
	// Iterative matching with backtracking to the last '*': linear in
	// practice, no recursion whatever the pattern.
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(pattern) && (pattern[pi] == '?' || pattern[pi] == s[si]):
			pi++
			si++
		case pi < len(pattern) && pattern[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(pattern) && pattern[pi] == '*' {
		pi++
	}
	return pi == len(pattern)
}
