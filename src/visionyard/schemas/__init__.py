"""Response bodies of the API (pydantic, torch-free): the services build them, the routes return them."""
