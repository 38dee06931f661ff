// Command typeerr does not compile: the construct must fail synth with the
// compiler's message.
package main

func main() {
	var n int = "not a number"
	_ = n
}
