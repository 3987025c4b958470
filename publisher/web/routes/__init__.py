"""One module per URL family; each exposes ``router`` (a FastAPI ``APIRouter``)."""
