# DeepSpeed's multiple-model test: each model is an engine that holds its optimizer
# (`m.optimizer`), and `m.step()` steps it after the shared backward.
import deepspeed
import torch


def train_shared_loss(models, data_loader):
    for batch in data_loader:
        losses = [m.module(batch[0], batch[1]) for m in models]
        loss = sum(part / (i + 1) for i, part in enumerate(losses))
        loss.backward()
        for m in models:
            m.step()
        for m in models:
            m.optimizer.zero_grad()


def create_model(model: torch.nn.Module, config):
    engine, _, _, _ = deepspeed.initialize(
        model=model, model_parameters=model.parameters(), config=config
    )
    return engine
