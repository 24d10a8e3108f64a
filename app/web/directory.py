"""Routes of the directory area."""

from fastapi import APIRouter

router = APIRouter()
