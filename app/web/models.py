"""Routes of the models area."""

from fastapi import APIRouter

router = APIRouter()
