package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
)

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var v interface{}
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			fmt.Println("ERR")
			continue
		}
		m, _ := json.Marshal(v)
		f := ""
		if x, ok := v.(float64); ok {
			f = strconv.FormatFloat(x, 'f', -1, 64)
		}
		fmt.Printf("%v\t%s\t%s\n", v, m, f)
	}
}
