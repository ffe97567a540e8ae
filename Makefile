# kamerzoek: the two commands of the README, plus helpers.
# Every target sets up its own virtual environment in .venv first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_INDEX := demo-index

.PHONY: demo test install clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Index the fictitious demo letters and run a few searches.
demo: $(STAMP)
	$(BIN)/kamerzoek --index $(DEMO_INDEX) index demo/letters
	$(BIN)/kamerzoek --index $(DEMO_INDEX) search autonome wapens
	@echo
	@echo "Zoek verder met:  $(BIN)/kamerzoek --index $(DEMO_INDEX) search WOORDEN"
	@echo "Echte brieven:    $(BIN)/kamerzoek index ../shared/corpus && $(BIN)/kamerzoek search drones"

## Run the test suite on the real corpus (../shared/corpus or $$KAMERZOEK_CORPUS).
test: $(STAMP)
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) $(DEMO_INDEX) kamerzoek-index
