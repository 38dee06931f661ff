module example.com/keymod

go 1.26

require example.com/keydep v0.0.0

replace example.com/keydep => ./keydep
