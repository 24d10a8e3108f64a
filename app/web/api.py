"""Routes of the api area."""

from fastapi import APIRouter

router = APIRouter()
