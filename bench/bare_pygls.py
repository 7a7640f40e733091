"""The baseline for cold start: a bare pygls server with no features, on stdio."""

from pygls.lsp.server import LanguageServer

if __name__ == "__main__":
    LanguageServer("bare", "0").start_io()
