module example.com/keydep

go 1.26
