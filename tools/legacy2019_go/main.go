// Command legacy2019_go checks the Python model of the 2019 coap-proxy
// (cpython/mxcoap_host/bench/legacy2019.py) against the Go libraries that proxy used.
//
//	legacy2019_go flate < {"dict": HEX, "inputs": [HEX...]}  -> [HEX...]
//	    compress/flate NewWriterDict(BestCompression) + Close, each stream checked by inflating it
//	legacy2019_go cbor < [JSON text...]  -> [HEX...]
//	    ugorji go-codec: JsonHandle into interface{}, then CborHandle{Canonical: true}
//
// Build without modules against Debian's golang-github-ugorji-go-codec-dev:
// GO111MODULE=off GOPATH=/usr/share/gocode go build -o OUT tools/legacy2019_go
package main

import (
	"bytes"
	"compress/flate"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/ugorji/go/codec"
)

type flateInput struct {
	Dict   string   `json:"dict"`
	Inputs []string `json:"inputs"`
}

func deflate(dict, data []byte) ([]byte, error) {
	var b bytes.Buffer
	zw, err := flate.NewWriterDict(&b, flate.BestCompression, dict)
	if err != nil {
		return nil, err
	}
	if _, err = zw.Write(data); err != nil {
		return nil, err
	}
	if err = zw.Close(); err != nil {
		return nil, err
	}
	back, err := io.ReadAll(flate.NewReaderDict(bytes.NewReader(b.Bytes()), dict))
	if err != nil || !bytes.Equal(back, data) {
		return nil, fmt.Errorf("stream does not inflate back: %v", err)
	}
	return b.Bytes(), nil
}

func canonicalCBOR(text string) ([]byte, error) {
	var val interface{}
	var jh codec.Handle = new(codec.JsonHandle)
	if err := codec.NewDecoderBytes([]byte(text), jh).Decode(&val); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	var ch codec.CborHandle
	ch.Canonical = true
	if err := codec.NewEncoder(&b, &ch).Encode(val); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func run(mode string) ([]string, error) {
	out := []string{}
	switch mode {
	case "flate":
		var in flateInput
		if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
			return nil, err
		}
		dict, err := hex.DecodeString(in.Dict)
		if err != nil {
			return nil, err
		}
		for _, h := range in.Inputs {
			data, err := hex.DecodeString(h)
			if err != nil {
				return nil, err
			}
			d, err := deflate(dict, data)
			if err != nil {
				return nil, err
			}
			out = append(out, hex.EncodeToString(d))
		}
	case "cbor":
		var texts []string
		if err := json.NewDecoder(os.Stdin).Decode(&texts); err != nil {
			return nil, err
		}
		for _, t := range texts {
			c, err := canonicalCBOR(t)
			if err != nil {
				return nil, err
			}
			out = append(out, hex.EncodeToString(c))
		}
	default:
		return nil, fmt.Errorf("mode must be flate or cbor, not %q", mode)
	}
	return out, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: legacy2019_go flate|cbor < JSON")
		os.Exit(2)
	}
	out, err := run(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "legacy2019_go:", err)
		os.Exit(1)
	}
	if err = json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(1)
	}
}
