"""Routes of the health area."""

from fastapi import APIRouter

router = APIRouter()
