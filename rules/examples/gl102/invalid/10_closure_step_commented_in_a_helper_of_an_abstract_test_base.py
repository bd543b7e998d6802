# Opacus' privacy-engine tests share their training loops as helpers of an abstract base
# class. The step that runs the closure was commented out: the closure's backward never
# runs, and the model under test never trains. (ABC is no framework whose loop would step.)
from abc import ABC, abstractmethod

import torch


class BaseEngineCheck(ABC):
    criterion = torch.nn.CrossEntropyLoss()

    @abstractmethod
    def _model(self): ...

    def _train_steps_with_closure(self, model, optimizer, loader):
        for x, y in loader:

            def closure(x=x, y=y):
                optimizer.zero_grad()
                loss = self.criterion(model(x), y)
                loss.backward()
                return loss

            # optimizer.step(closure)  # GL102
