// Command keymod is a build-input fixture: tests copy it and edit its files to
// check that the cache key follows every input.
package main

import (
	"fmt"

	"example.com/keydep"
	"example.com/keymod/greet"
)

func main() {
	fmt.Println(greet.Hello("x") + keydep.Punctuation)
}
