# kamerzoek: the two commands of the README, plus helpers.
# Every target sets up its own virtual environment in .venv first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_INDEX := demo-index
PORT   ?= 8000

.PHONY: demo test install clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@# An editable install leaves the sources uncompiled; where Python may not
	@# write bytecode (PYTHONDONTWRITEBYTECODE), every command compiled them.
	$(BIN)/python -m compileall -q corpus index search web cli.py config.py
	touch $(STAMP)

install: $(STAMP)

## Index the fictitious demo letters, search once, then serve the web page.
demo: $(STAMP)
	$(BIN)/kamerzoek --index $(DEMO_INDEX) index demo/letters
	$(BIN)/kamerzoek --index $(DEMO_INDEX) search autonome wapens
	@echo
	@echo "Zoek verder op de opdrachtregel: $(BIN)/kamerzoek --index $(DEMO_INDEX) search WOORDEN"
	@echo "Of in de browser op http://127.0.0.1:$(PORT)/ (hieronder gestart)."
	$(BIN)/kamerzoek --index $(DEMO_INDEX) serve --port $(PORT)

## Run the test suite on the real corpus (../shared/corpus or $$KAMERZOEK_CORPUS).
test: $(STAMP)
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) $(DEMO_INDEX) kamerzoek-index
