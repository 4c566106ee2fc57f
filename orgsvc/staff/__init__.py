"""Regulator staff: caseworkers and regulator administrators, created only by operators."""
