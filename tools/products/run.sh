#!/usr/bin/env bash
# Regenerates fhir-resources/Medication, the product and co-medication value sets, rxnorm-fragment,
# rxnorm-product-to-ingredient and SOURCES.md from the sources at the commits SOURCES.md names.
# Needs local git mirrors of the source repositories (not committed here):
#   CANVAS=/path/to/canvas-medical/canvas-plugins.git  ADHDDB=/path/to/ya-luotao/adhd-db.git \
#   RXING=/path/to/davidanderson3/rxnorm-ingredients.git  UKBKINGS=/path/to/kenhanscombe/ukbkings.git \
#   CPIC=/path/to/cpicpgx/cpic-data.git  ./run.sh
# Not a build step: run by hand, then read a sample of the output against the sources and run the content check.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p work
git --git-dir="$CANVAS" show 344f0bcb924b2be7ffafb5ac7edf19d475704259:canvas_sdk/value_set/v2026/medication.py > work/s1.py
git --git-dir="$CANVAS" show 344f0bcb924b2be7ffafb5ac7edf19d475704259:canvas_sdk/value_set/v2022/medication.py > work/s2.py
git --git-dir="$ADHDDB" show 8c9fb9839e2c3318f32ba813b2b7a248ab2352ef:packages/rxnorm/cache/rxnorm-data.json > work/s6.json
for f in $(git --git-dir="$RXING" ls-tree --name-only a8fcf13a679fa37073e8fa83e11d5e0d8cc07276 web/data/); do
  l=$(basename "$f" .json); git --git-dir="$RXING" show "a8fcf13a679fa37073e8fa83e11d5e0d8cc07276:$f" > "work/s19-$l.json" 2>/dev/null || rm -f "work/s19-$l.json"
done
git --git-dir="$UKBKINGS" show 5595b5896e8cc19b7874f2848ff5472512653c21:data-raw/drugs/drugs.tsv > work/s5.tsv
git --git-dir="$CPIC" show 25e700028fcd5bfe1f2905852b236a34ca824888:db/drug.sql > work/s4.sql
python3 classes.py
python3 gen_med.py      # Medication/rxnorm-{code}.json
python3 gen_vs.py       # ValueSet/*-products, class sets, adhd-medications, not-labelled, SSRI/CYP2D6/MAOI sets
python3 gen_cs.py       # CodeSystem/rxnorm-fragment, ConceptMap/rxnorm-product-to-ingredient
python3 gen_sources_md.py  # SOURCES.md (reads ../../../shared/reference/codes.md for the codes.md rows)
