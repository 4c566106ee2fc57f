"""Unbound Flask extensions; ``create_app`` binds them to an application."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from orgsvc.db import Base, BindHonouringSession

db = SQLAlchemy(model_class=Base, session_options={"class_": BindHonouringSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
